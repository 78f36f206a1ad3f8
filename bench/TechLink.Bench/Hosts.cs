using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Signing;
using TechLink.Server;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Webhooks;

namespace TechLink.Bench;

/// <summary>Where a server keeps its data: a fresh SQLite folder or a fresh PostgreSQL database.</summary>
internal sealed record Storage(string DataPath, string? PostgresConnectionString)
{
    public bool IsPostgres => PostgresConnectionString is not null;

    public string Name => IsPostgres ? "postgres" : "sqlite";

    public string SqliteFile => Path.Combine(DataPath, "techlink.db");

    /// <summary>The server's configuration, as keys (the child process gets them as environment variables).</summary>
    /// <summary>Extra settings for diagnostic runs (e.g. an A/B of one delivery option).</summary>
    public Dictionary<string, string?> Overrides { get; init; } = [];

    public Dictionary<string, string?> Configuration(string roles, string? staffKey = null)
    {
        var c = new Dictionary<string, string?>
        {
            ["TechLink:Environment"] = "Sandbox",
            ["TechLink:DataPath"] = DataPath,
            ["TechLink:Database:Provider"] = IsPostgres ? "Postgres" : "Sqlite",
            ["TechLink:Bootstrap:DemoData"] = "false",
            ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
            // The receivers are on loopback; production's are public and their answers are read: measure that work too.
            ["TechLink:Delivery:ShowPrivateAnswers"] = "true",
            ["TechLink:Node:Roles"] = roles,
            // Stopping a server ends a row after its measurement: sends still hanging (the isolation row's dead endpoint)
            // are handed back after a second rather than the default ten.
            ["TechLink:Delivery:ShutdownGrace"] = "00:00:01",
            // The api scenario measures throughput through one key, far past the default 6000 requests per minute.
            ["TechLink:RateLimit:ApiPerKeyPerMinute"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            // Expected in a throwaway data folder: keys unencrypted at rest, no wwwroot, the first migration query on an empty database.
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore.StaticFiles"] = "Error",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "None",
        };
        if (IsPostgres) c["ConnectionStrings:TechLink"] = PostgresConnectionString;
        if (staffKey is not null) c["TechLink:Bootstrap:StaffApiKey"] = staffKey;
        foreach (var (key, value) in Overrides) c[key] = value;
        // Diagnosis A/B runs: BENCH_SETTINGS="TechLink:Delivery:MaxConcurrencyPerEndpoint=64;..." applies to every server.
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_SETTINGS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at > 0) c[pair[..at].Trim()] = pair[(at + 1)..].Trim();
        }
        return c;
    }
}

/// <summary>
/// The real server, in this process: the same wiring as Program.cs (<c>AddTechLink</c>, migrations, <c>MapTechLink</c>),
/// so the event path (EventOutbox into the server's DbContext, the wake interceptor) and the dispatcher are the product's.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    /// <summary>Where it listens (a free loopback port).</summary>
    public string BaseUrl => _app.Urls.First();

    public static async Task<InProcessServer> StartAsync(Storage storage, string roles = "all", string? staffKey = null)
    {
        Directory.CreateDirectory(storage.DataPath);
        var builder = ServerSetup.CreateTechLinkBuilder([], contentRootPath: storage.DataPath, environmentName: "Production");
        builder.Configuration.AddInMemoryCollection(storage.Configuration(roles, staffKey));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTechLink();
        var app = builder.Build();
        await app.InitializeTechLinkAsync();
        app.MapTechLink();
        await app.StartAsync();
        return new InProcessServer(app);
    }

    public TechLinkDbContext CreateDbContext() => Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();

    /// <summary>A company with one "(any webhooks)" registration per URL; answers the company id and the registration ids in order.</summary>
    public async Task<(long CompanyId, List<long> Registrations)> CreateCompanyAsync(IReadOnlyList<string> urls)
    {
        var secrets = Services.GetRequiredService<WebhookSecrets>();
        await using var db = CreateDbContext();
        var now = DateTime.UtcNow;
        var company = new Company { Name = "Bench " + Guid.NewGuid().ToString("N")[..6], CreatedAt = now, UpdatedAt = now };
        db.Companies.Add(company);
        await db.SaveChangesAsync();
        var registrations = new List<WebhookRegistration>();
        foreach (var url in urls)
        {
            registrations.Add(new WebhookRegistration
            {
                CompanyId = company.Id,
                Type = EventCatalog.Any,
                EventTypes = EventCatalog.Wildcard,
                Url = url,
                SecretProtected = secrets.Protect(WebhookSecret.Generate()),
                Enabled = true,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        db.WebhookRegistrations.AddRange(registrations);
        await db.SaveChangesAsync();
        return (company.Id, [.. registrations.Select(r => r.Id)]);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>The real server binary (TechLink.Server.dll of the same Release build) as a child process.</summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _process;

    private ChildServer(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int ProcessId => _process.Id;

    public static string ServerDll =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/TechLink.Server/bin/Release/net10.0/TechLink.Server.dll"));

    public static async Task<ChildServer> StartAsync(Storage storage, string roles, string? staffKey = null)
    {
        var dll = ServerDll;
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the server in Release first (bench/run does).", dll);
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in storage.Configuration(roles, staffKey)) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine("  [server] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var baseUrl = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited) throw new InvalidOperationException($"server exited with {process.ExitCode}");
            try
            {
                if ((await http.GetAsync($"{baseUrl}/health/live")).IsSuccessStatusCode) return new ChildServer(process, baseUrl);
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new TimeoutException("server did not answer /health/live within 90 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Reads a process's peak and current resident set from /proc.</summary>
/// <summary>
/// CPU time (user + system, from /proc/&lt;pid&gt;/stat) of this process, the receiver and every PostgreSQL process: what a
/// delivery costs the machine in all, so the engine's cost can be set against the bare loop's.
/// </summary>
internal static class CpuMeter
{
    private static readonly double TickSeconds = 1.0 / 100; // USER_HZ is 100 on Linux

    public static TimeSpan Total(int receiverPid)
    {
        var ticks = Ticks(Environment.ProcessId) + Ticks(receiverPid);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "postgres") ticks += Ticks(pid);
            }
            catch (IOException)
            {
                // Gone.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return TimeSpan.FromSeconds(ticks * TickSeconds);
    }

    private static long Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}

internal static class ProcStatus
{
    public static (double HwmMb, double RssMb) Read(int pid)
    {
        double hwm = 0, rss = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line) / 1024.0;
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
            }
        }
        catch (IOException)
        {
            // Gone.
        }

        return (hwm, rss);
    }

    private static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>Backlogs written straight into SQLite in large transactions (the way a burst of past events would sit there).</summary>
internal static class Backlog
{
    /// <summary>Inserts <paramref name="count"/> events with one pending delivery each, spread round-robin over <paramref name="endpoints"/>.</summary>
    public static void InsertSqlite(string file, long tenantId, IReadOnlyList<long> endpoints, int count, int firstSeq = 0)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        var now = DateTime.UtcNow.AddSeconds(-1);
        const int Batch = 20_000;
        for (var start = 0; start < count; start += Batch)
        {
            using var tx = connection.BeginTransaction();
            using var message = connection.CreateCommand();
            message.Transaction = tx;
            message.CommandText = "INSERT INTO outbox_messages (tenant_id, event_type, subject, payload, created_at) VALUES ($t, 'work order note added', NULL, $p, $c) RETURNING id";
            var mt = message.Parameters.Add("$t", SqliteType.Integer);
            var mp = message.Parameters.Add("$p", SqliteType.Text);
            var mc = message.Parameters.Add("$c", SqliteType.Text);
            using var delivery = connection.CreateCommand();
            delivery.Transaction = tx;
            delivery.CommandText = """
                INSERT INTO deliveries (message_id, endpoint_id, tenant_id, webhook_id, status, attempt_count, next_attempt_at, created_at)
                VALUES ($m, $e, $t, $w, 0, 0, $n, $n)
                """;
            var dm = delivery.Parameters.Add("$m", SqliteType.Integer);
            var de = delivery.Parameters.Add("$e", SqliteType.Integer);
            var dt = delivery.Parameters.Add("$t", SqliteType.Integer);
            var dw = delivery.Parameters.Add("$w", SqliteType.Text);
            var dn = delivery.Parameters.Add("$n", SqliteType.Text);
            mt.Value = tenantId;
            dt.Value = tenantId;
            mc.Value = now;
            dn.Value = now;
            var end = Math.Min(count, start + Batch);
            for (var i = start; i < end; i++)
            {
                mp.Value = Payloads.Json(firstSeq + i);
                var id = (long)message.ExecuteScalar()!;
                dm.Value = id;
                de.Value = endpoints[i % endpoints.Count];
                dw.Value = EventOutbox.NewWebhookId();
                delivery.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }
}
