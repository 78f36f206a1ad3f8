using System.Diagnostics;
using Npgsql;
using TechLink.Testing;

namespace TechLink.Upgrade.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL deployment: the old release's <c>pg_dump</c> (plain SQL) restored with psql into a fresh database of
/// the test cluster (<c>TECHLINK_TEST_PG</c> in CI, else a throwaway one), beside its own DataPath (key ring, files).
/// </summary>
public sealed class PostgresDeployment() : UpgradedDeployment(Provider.Postgres, "postgres")
{
    private PostgresCluster? _cluster;

    protected override async Task<string?> RestoreDatabaseAsync()
    {
        _cluster = await PostgresCluster.StartAsync();
        var connectionString = await _cluster.CreateDatabaseAsync("upgrade");
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(FindPsql())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cs.Host!, "-p", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-U", cs.Username!, "-d", cs.Database!, "-f", Path.Combine(FixtureFolder, "techlink.sql") })
        {
            psi.ArgumentList.Add(arg);
        }

        if (cs.Password is { Length: > 0 } password) psi.Environment["PGPASSWORD"] = password;
        using var psql = Process.Start(psi) ?? throw new InvalidOperationException("psql did not start");
        var stdout = psql.StandardOutput.ReadToEndAsync();
        var stderr = psql.StandardError.ReadToEndAsync();
        await psql.WaitForExitAsync();
        Assert.True(psql.ExitCode == 0, $"psql could not restore the dump: {await stderr} {await stdout}");
        return connectionString;
    }

    protected override async Task DisposeDatabaseAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>In CI a missing psql fails the tests, never skips them.</summary>
    private static string FindPsql() => PostgresCluster.FindBinary("psql")
        ?? throw new InvalidOperationException("psql is not installed: the PostgreSQL upgrade test restores the old release's dump with it.");
}
