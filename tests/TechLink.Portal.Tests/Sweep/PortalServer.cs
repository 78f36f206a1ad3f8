using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TechLink.Server.Accounts;
using TechLink.Server.Infrastructure;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// A server of its own on a real Kestrel port (SQLite in a temp folder) with a known staff API key, for the generated
/// sweeps and the login limits: its settings (e.g. no dispatcher, so that only requests change the database) do not
/// disturb the browser tests' server.
/// </summary>
public sealed class PortalServer : IAsyncDisposable
{
    public const string StaffKey = "tlk_portal_sweep_staff_key_0123456789abcdefghij";
    public const string Password = "Sweep-pass-123";

    private readonly Factory _factory;

    private PortalServer(Factory factory, string dataPath)
    {
        _factory = factory;
        DataPath = dataPath;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public string DataPath { get; }

    public IServiceProvider Services => _factory.Services;

    public string DatabasePath => Path.Combine(DataPath, "techlink.db");

    /// <param name="services">Test services on top of the app's (e.g. a probe around a real service).</param>
    public static Task<PortalServer> StartAsync(IReadOnlyDictionary<string, string> settings, Action<IServiceCollection>? services = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "techlink-portal-sweep-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataPath);
        var all = new Dictionary<string, string>
        {
            ["TechLink:Environment"] = "Sandbox",
            ["TechLink:DataPath"] = dataPath,
            ["TechLink:Database:Provider"] = "Sqlite",
            ["TechLink:Bootstrap:DemoData"] = "false",
            ["TechLink:Bootstrap:StaffApiKey"] = StaffKey,
            ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
            ["TechLink:Delivery:Timeout"] = "00:00:02",
            // The sweeps seed a fresh registration for every request they make, all in two companies: far more than the
            // 50 a company may have. The limit itself is tested in TechLink.Server.Tests (WebhookLimitTests).
            ["TechLink:Webhooks:MaxPerCompany"] = "100000",
        };
        foreach (var (key, value) in settings) all[key] = value;
        var factory = new Factory(all, services);
        factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var server = new PortalServer(factory, dataPath);
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");

        // The browser tests' fixture sets environment variables for its own server in this same process: make sure
        // this server took its own settings, or the sweep would run against the wrong database.
        var options = factory.Services.GetRequiredService<IOptions<TechLinkOptions>>().Value;
        if (options.FullDataPath != Path.GetFullPath(dataPath))
        {
            throw new InvalidOperationException($"the sweep server uses DataPath {options.FullDataPath}, not {dataPath}");
        }

        return Task.FromResult(server);
    }

    /// <summary>An API client with the staff key (for arranging data; the sweeps themselves go through the portal).</summary>
    public HttpClient StaffApi()
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StaffKey);
        return client;
    }

    /// <summary>A portal user made directly with Identity (the API cannot make staff users).</summary>
    public async Task CreateUserAsync(string userName, long? companyId, bool isStaff, bool isActive = true)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var now = DateTime.UtcNow;
        var user = new User
        {
            UserName = userName, CompanyId = companyId, IsStaff = isStaff, FirstName = "Sweep", LastName = userName, CreatedAt = now, UpdatedAt = now,
            LockoutEnabled = true, IsActive = isActive,
        };
        var result = await users.CreateAsync(user, Password);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>Logs in through the real form (GET for the antiforgery token, POST) and answers the signed-in session.</summary>
    public async Task<PortalSession> LogInAsync(string userName, string password = Password)
    {
        var session = new PortalSession(BaseUrl);
        var response = await session.PostFormAsync("/login", new() { ["username"] = userName, ["password"] = password }, tokenFrom: "/login");
        if (response.StatusCode != HttpStatusCode.Redirect || !session.HasCookie("techlink.auth"))
        {
            session.Dispose();
            throw new InvalidOperationException($"login as {userName} answered {(int)response.StatusCode}");
        }

        return session;
    }

    /// <summary>
    /// Every row of every table, as text, in a stable order: two snapshots are equal exactly when the data is.
    /// </summary>
    public DatabaseSnapshot Snapshot()
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    row.Append(reader.GetName(i)).Append('=').Append(value switch
                    {
                        byte[] bytes => Convert.ToHexString(bytes),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        _ => value.ToString(),
                    }).Append('\u001f');
                }

                rows.Add(row.ToString());
            }

            rows.Sort(StringComparer.Ordinal);
            result[table] = string.Join('\n', rows);
        }

        return new DatabaseSnapshot(result);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // The temp folder is cleaned by the OS.
        }
    }

    private sealed class Factory(IReadOnlyDictionary<string, string> settings, Action<IServiceCollection>? services) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            if (services is not null) builder.ConfigureTestServices(services);
        }
    }
}

/// <summary>The data at one moment, table by table.</summary>
public sealed record DatabaseSnapshot(IReadOnlyDictionary<string, string> Tables)
{
    /// <summary>The tables whose rows differ between the two snapshots (empty when nothing changed).</summary>
    public IReadOnlyList<string> ChangedSince(DatabaseSnapshot before) =>
        [.. Tables.Keys.Union(before.Tables.Keys).Where(t => Tables.GetValueOrDefault(t) != before.Tables.GetValueOrDefault(t)).Order(StringComparer.Ordinal)];
}

/// <summary>JSON helpers for arranging data through the API.</summary>
internal static class Api
{
    public static async Task<JsonElement> PostAsync(this HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
