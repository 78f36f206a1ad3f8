using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TechLink.Server.Accounts;
using TechLink.Server.Infrastructure;
using TechLink.Testing;

namespace TechLink.Security.Tests.Accounts;

/// <summary>
/// The whole server on a real Kestrel port, on SQLite or PostgreSQL, with the test servers' usual settings
/// (<see cref="ServerSettings"/>) and a few of the test's own: the accounts' side of a hostile review (sessions, usernames).
/// </summary>
public sealed class AccountsServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    private AccountsServer(string? postgresConnectionString, IReadOnlyDictionary<string, string> settings)
    {
        DataPath = Path.Combine(Path.GetTempPath(), "techlink-accounts-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
        _settings = ServerSettings.Defaults(postgresConnectionString is null ? Provider.Sqlite : Provider.Postgres, DataPath, postgresConnectionString);
        foreach (var (key, value) in settings) _settings[key] = value;
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    public string DataPath { get; }

    public Uri BaseUrl { get; private set; } = null!;

    public static AccountsServer Start(string? postgresConnectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = new AccountsServer(postgresConnectionString, settings ?? new Dictionary<string, string>());
        server.StartServer();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        var options = server.Services.GetRequiredService<IOptions<TechLinkOptions>>().Value;
        if (options.FullDataPath != Path.GetFullPath(server.DataPath)) throw new InvalidOperationException($"the server took DataPath {options.FullDataPath}");
        return server;
    }

    public HttpClient Api(string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl, "/api/v1/"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Staff() => Api(ServerSettings.StaffKey);

    /// <summary>A staff portal user, made directly with Identity (the API makes client users only).</summary>
    public async Task CreateStaffUserAsync(string userName, string password)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var now = DateTime.UtcNow;
        var result = await users.CreateAsync(new User { UserName = userName, IsStaff = true, FirstName = "Staff", LastName = userName, CreatedAt = now, UpdatedAt = now }, password);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
