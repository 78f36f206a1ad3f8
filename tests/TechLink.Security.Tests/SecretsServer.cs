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

namespace TechLink.Security.Tests;

/// <summary>
/// The whole server (API, portal, dispatcher) on a real Kestrel port, on SQLite or PostgreSQL, with every log category
/// at Trace going to a <see cref="CapturingLoggerProvider"/> file and nowhere else, and a staff key of its own.
/// </summary>
public sealed class SecretsServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string> _settings;

    public SecretsServer(string? postgresConnectionString, string staffKey)
    {
        DataPath = Path.Combine(Path.GetTempPath(), "techlink-secrets-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
        LogPath = DataPath + ".log";
        Logs = new CapturingLoggerProvider(LogPath);
        ConnectionString = postgresConnectionString;
        _settings = new Dictionary<string, string>
        {
            ["TechLink:Environment"] = "Sandbox",
            ["TechLink:DataPath"] = DataPath,
            ["TechLink:Database:Provider"] = postgresConnectionString is null ? "Sqlite" : "Postgres",
            ["TechLink:Bootstrap:DemoData"] = "false",
            ["TechLink:Bootstrap:StaffApiKey"] = staffKey,
            ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
            ["TechLink:Delivery:RetryDelayMin"] = "00:00:00.200",
            ["TechLink:Delivery:RetryDelayMax"] = "00:00:00.300",
            ["TechLink:Delivery:Timeout"] = "00:00:05",
            ["TechLink:Delivery:Lease"] = "00:00:25",
            ["TechLink:Delivery:IdlePollInterval"] = "00:00:01",
            ["TechLink:Node:Roles"] = "all",
            // Every category at Trace, including those appsettings.json turns down.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
            ["Logging:LogLevel:System"] = "Trace",
        };
        if (postgresConnectionString is not null) _settings["ConnectionStrings:TechLink"] = postgresConnectionString;
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
