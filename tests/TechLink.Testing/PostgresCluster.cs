using Xunit;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TechLink.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temp folder owned by the postgres user, a free port on
/// 127.0.0.1, removed on dispose. PostgreSQL refuses to run as root, so when we are root every server
/// command runs through <c>runuser -u postgres --</c>.
/// When <c>TECHLINK_TEST_PG</c> holds a connection string, that server is used instead (no cluster started).
/// In CI (<c>CI=true</c>) a missing PostgreSQL is a failure, never a skip.
/// A cluster of our own is also stopped when this process gets SIGTERM (a run's timeout, an interrupted
/// <c>bench/ab</c>): pg_ctl starts the server in a session of its own, so it would outlive us.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string? _dataDir;
    private readonly System.Runtime.InteropServices.PosixSignalRegistration? _stopOnTerm;
    private int _databaseCounter;
    private int _disposed;

    private PostgresCluster(string adminConnectionString, string? dataDir, int port)
    {
        AdminConnectionString = adminConnectionString;
        _dataDir = dataDir;
        Port = port;
        if (dataDir is not null)
        {
            _stopOnTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => DisposeAsync().AsTask().GetAwaiter().GetResult());
        }
    }

    public string AdminConnectionString { get; }
    public int Port { get; }

    public static bool IsAvailable => Environment.GetEnvironmentVariable("TECHLINK_TEST_PG") is { Length: > 0 } || FindBinary("initdb") is not null;

    public static async Task<PostgresCluster> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("TECHLINK_TEST_PG") is { Length: > 0 } external)
        {
            return new PostgresCluster(external, null, new NpgsqlConnectionStringBuilder(external).Port);
        }

        return await StartOwnAsync();
    }

    /// <summary>A cluster of our own even when <c>TECHLINK_TEST_PG</c> names a shared one: for tests that stop and start the server.</summary>
    public static async Task<PostgresCluster> StartOwnAsync()
    {
        var initdb = FindBinary("initdb") ?? throw new InvalidOperationException("PostgreSQL server binaries (initdb) are not installed.");
        var pgCtl = FindBinary("pg_ctl") ?? throw new InvalidOperationException("pg_ctl not found.");
        var dir = Path.Combine("/tmp", "techlink-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", dir]);
        }

        var port = FreePort();
        var dataDir = Path.Combine(dir, "data");
        await RunServerCommandAsync(asRoot, initdb, ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        await File.AppendAllTextAsync(Path.Combine(dataDir, "postgresql.conf"),
            "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 300\nshared_buffers = 128MB\n");
        await RunServerCommandAsync(asRoot, pgCtl,
            ["-D", dataDir, "-l", Path.Combine(dir, "log.txt"), "-w", "-t", "60", "-o", $"-p {port} -k {dir} -h 127.0.0.1", "start"]);
        var cs = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Include Error Detail=true";
        return new PostgresCluster(cs, dir, port);
    }

    /// <summary>A fresh, empty database on this cluster; answers its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Stops the server without removing its data; <see cref="RestartAsync"/> starts it again on the same port.
    /// <paramref name="mode"/> is pg_ctl's: <c>immediate</c> (a crash, the default), <c>fast</c> (clients disconnected, clean shutdown) or <c>smart</c>.
    /// </summary>
    public async Task StopAsync(string mode = "immediate")
    {
        if (_dataDir is null) throw new InvalidOperationException("An external server cannot be stopped.");
        NpgsqlConnection.ClearAllPools();
        await RunServerCommandAsync(Environment.UserName == "root", FindBinary("pg_ctl")!, ["-D", Path.Combine(_dataDir, "data"), "-m", mode, "-w", "stop"]);
    }

    public async Task RestartAsync()
    {
        if (_dataDir is null) throw new InvalidOperationException("An external server cannot be started.");
        await RunServerCommandAsync(Environment.UserName == "root", FindBinary("pg_ctl")!,
            ["-D", Path.Combine(_dataDir, "data"), "-l", Path.Combine(_dataDir, "log.txt"), "-w", "-t", "60", "-o", $"-p {Port} -k {_dataDir} -h 127.0.0.1", "start"]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataDir is null || Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopOnTerm?.Dispose();
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunServerCommandAsync(Environment.UserName == "root", FindBinary("pg_ctl")!, ["-D", Path.Combine(_dataDir, "data"), "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped: nothing to do but remove the folder.
        }

        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A PostgreSQL program (initdb, pg_ctl, psql, ...) on PATH or under /usr/lib/postgresql/*/bin, newest first.</summary>
    public static string? FindBinary(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var candidates = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : []);
        return candidates.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    private static Task RunServerCommandAsync(bool asRoot, string binary, string[] args) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", binary, .. args]) : RunAsync(binary, args);

    private static async Task RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr} {await stdout}");
        }
    }
}

/// <summary>xunit fixture: one cluster per test collection that asks for it (each test assembly declares its own collection, as xunit requires).</summary>
public class PostgresFixture : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("PostgreSQL did not start.");

    public async Task InitializeAsync() => _cluster = await StartClusterAsync();

    protected virtual Task<PostgresCluster> StartClusterAsync() => PostgresCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>A fixture whose cluster is its own (never the shared <c>TECHLINK_TEST_PG</c> one), so its tests may stop and restart it.</summary>
public sealed class OwnPostgresFixture : PostgresFixture
{
    protected override Task<PostgresCluster> StartClusterAsync() => PostgresCluster.StartOwnAsync();
}
