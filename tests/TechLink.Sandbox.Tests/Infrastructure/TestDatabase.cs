using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TechLink.Testing;

namespace TechLink.Sandbox.Tests.Infrastructure;

/// <summary>A real database (a SQLite file or a fresh PostgreSQL database) with its own files folder, removed on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _dir;

    private TestDatabase(string dir, DatabaseLocation location)
    {
        _dir = dir;
        Location = location;
        FilesDir = Path.Combine(dir, "files");
    }

    internal DatabaseLocation Location { get; }

    public string FilesDir { get; }

    public bool IsPostgres => Location.Provider.Kind == DatabaseProvider.Postgres;

    public static TestDatabase Sqlite()
    {
        var dir = NewDir();
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "techlink.db"), Pooling = false }.ToString();
        return new TestDatabase(dir, new DatabaseLocation(SqliteDataProvider.Instance, cs));
    }

    public static async Task<TestDatabase> PostgresAsync(PostgresCluster cluster) =>
        new(NewDir(), new DatabaseLocation(PostgresDataProvider.Instance, await cluster.CreateDatabaseAsync("sbx")));

    internal TechLinkDbContext Open() => SandboxRefresher.Open(Location, forWriting: true);

    /// <summary>What a server of <paramref name="environment"/> does on its first start (without demo data).</summary>
    public async Task MigrateAsync(TechLinkEnvironment environment)
    {
        await using var db = Open();
        await Location.Provider.BeforeMigrateAsync(db, CancellationToken.None);
        await db.Database.MigrateAsync();
        db.SystemSettings.Add(new SystemSetting { Key = SystemSetting.EnvironmentKey, Value = environment.ToString() });
        await db.SaveChangesAsync();
    }

    public async Task<string?> SettingAsync(string key)
    {
        await using var db = Open();
        return await db.SystemSettings.Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync();
    }

    /// <summary>The tables a refresh replaces, each as its rows in JSON, sorted.</summary>
    public async Task<Dictionary<string, string>> CopiedTablesAsync(IReadOnlySet<long>? companyIds = null)
    {
        await using var db = Open();
        var ids = companyIds?.ToList();
        return new Dictionary<string, string>
        {
            ["companies"] = await RowsAsync(ids is null ? db.Companies : db.Companies.Where(c => ids.Contains(c.Id))),
            ["roles"] = await RowsAsync(db.Roles),
            ["role_claims"] = await RowsAsync(db.RoleClaims),
            ["users"] = await RowsAsync(db.Users),
            ["user_claims"] = await RowsAsync(db.UserClaims),
            ["user_logins"] = await RowsAsync(db.UserLogins),
            ["user_roles"] = await RowsAsync(db.UserRoles),
            ["user_tokens"] = await RowsAsync(db.UserTokens),
            ["sites"] = await RowsAsync(db.Sites),
            ["work_orders"] = await RowsAsync(db.WorkOrders),
            ["work_order_status_changes"] = await RowsAsync(db.WorkOrderStatusChanges),
            ["work_order_notes"] = await RowsAsync(db.Notes),
            ["work_order_files"] = await RowsAsync(db.Files),
            ["work_order_questions"] = await RowsAsync(db.Questions),
            ["work_order_tasks"] = await RowsAsync(db.Tasks),
        };
    }

    /// <summary>The tables that belong to the sandbox and a refresh must not touch.</summary>
    public async Task<Dictionary<string, string>> OwnTablesAsync()
    {
        await using var db = Open();
        return new Dictionary<string, string>
        {
            ["api_keys"] = await RowsAsync(db.ApiKeys),
            ["webhook_registrations"] = await RowsAsync(db.WebhookRegistrations),
            ["outbox_messages"] = await RowsAsync(db.Events),
            ["deliveries"] = await RowsAsync(db.Deliveries),
            ["delivery_attempts"] = await RowsAsync(db.DeliveryAttempts),
        };
    }

    /// <summary>Every table and every file: equal before and after means the database was left as it was.</summary>
    public async Task<string> FingerprintAsync()
    {
        await using var db = Open();
        var tables = (await CopiedTablesAsync()).Concat(await OwnTablesAsync()).Select(kv => $"## {kv.Key}\n{kv.Value}");
        var settings = await RowsAsync(db.SystemSettings);
        var files = Directory.Exists(FilesDir)
            ? Directory.GetFiles(FilesDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => Path.GetRelativePath(FilesDir, f) + "=" + Convert.ToHexString(File.ReadAllBytes(f)))
            : [];
        return string.Join("\n", tables) + "\n## settings\n" + settings + "\n## files\n" + string.Join("\n", files);
    }

    private static async Task<string> RowsAsync<T>(IQueryable<T> rows) where T : class =>
        string.Join("\n", (await rows.AsNoTracking().ToListAsync()).Select(r => JsonSerializer.Serialize(r)).Order(StringComparer.Ordinal));

    private static string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "techlink-sandbox-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
