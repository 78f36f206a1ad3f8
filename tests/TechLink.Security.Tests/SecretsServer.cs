using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TechLink.Server.Infrastructure;
using TechLink.Testing;

namespace TechLink.Security.Tests;

/// <summary>
/// The whole server (API, portal, dispatcher) on a real Kestrel port, on SQLite or PostgreSQL, with every log category
/// at Trace going to a <see cref="CapturingLoggerProvider"/> file and nowhere else, and a staff key of its own.
/// </summary>
public sealed class SecretsServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public SecretsServer(string? postgresConnectionString, string staffKey)
    {
        DataPath = Path.Combine(Path.GetTempPath(), "techlink-secrets-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
        LogPath = DataPath + ".log";
        Logs = new CapturingLoggerProvider(LogPath);
        ConnectionString = postgresConnectionString;
        // The test servers' usual settings (TechLink.Testing.ServerSettings), with a staff key of its own, the default
        // upload limit, and every category at Trace, including those appsettings.json turns down.
        _settings = ServerSettings.Defaults(postgresConnectionString is null ? Provider.Sqlite : Provider.Postgres, DataPath, postgresConnectionString);
        _settings["TechLink:Bootstrap:StaffApiKey"] = staffKey;
        _settings.Remove("TechLink:Files:MaxUploadBytes");
        foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "System" })
        {
            _settings[$"Logging:LogLevel:{category}"] = "Trace";
        }
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    public string DataPath { get; }

    public string LogPath { get; }

    public string? ConnectionString { get; }

    public CapturingLoggerProvider Logs { get; }

    public Uri BaseUrl { get; private set; } = null!;

    public string SqlitePath => Path.Combine(DataPath, "techlink.db");

    public void Start()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
        var options = Services.GetRequiredService<IOptions<TechLinkOptions>>().Value;
        if (options.FullDataPath != Path.GetFullPath(DataPath)) throw new InvalidOperationException($"the server took DataPath {options.FullDataPath}");
    }

    public HttpClient Api(string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl, "/api/v1/"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l =>
        {
            l.ClearProviders();
            l.SetMinimumLevel(LogLevel.Trace);
            l.AddProvider(Logs);
        });
    }

    /// <summary>Removes the data folder and the log; call after the server is disposed and everything is scanned.</summary>
    public void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        try { File.Delete(LogPath); } catch (IOException) { }
    }
}
