using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using TechLink.Testing;

namespace TechLink.Upgrade.Tests.Infrastructure;

/// <summary>One table: its rows, and the highest <c>id</c> when it has one (every old row has an id at or below it).</summary>
public sealed record TableCount(string Table, long Rows, long? MaxId);

/// <summary>A delivery row as the engine stored it (columns of src/TechLink.Delivery/Model, snake_case).</summary>
public sealed record DeliveryRow(long Id, long MessageId, long EndpointId, string WebhookId, int Status, int AttemptCount, DateTime NextAttemptAt)
{
    public const int Pending = 0;
    public const int Succeeded = 1;
    public const int Failed = 2;
}

/// <summary>An event of the outbox (the feed's source), its payload as stored.</summary>
public sealed record EventRow(long Id, long TenantId, string Type, string Payload);

/// <summary>
/// The database read straight, without the server: every table's rows, the migration history, the deliveries and the
/// events. Taken of the old release's database before the new server opens it, and again after.
/// </summary>
public sealed class DatabaseSnapshot
{
    private DatabaseSnapshot(IReadOnlyList<TableCount> tables, IReadOnlyList<string> migrations, IReadOnlyList<DeliveryRow> deliveries, IReadOnlyList<EventRow> events)
    {
        Tables = tables;
        Migrations = migrations;
        Deliveries = deliveries;
        Events = events;
    }

    public IReadOnlyList<TableCount> Tables { get; }

    /// <summary>The migration ids in <c>__ef_migrations</c>, in order.</summary>
    public IReadOnlyList<string> Migrations { get; }

    public IReadOnlyList<DeliveryRow> Deliveries { get; }

    public IReadOnlyList<EventRow> Events { get; }

    public static Func<DbConnection> Connect(Provider provider, string dataPath, string? connectionString) => provider == Provider.Sqlite
        ? () => new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataPath, "techlink.db"), Pooling = false, DefaultTimeout = 30 }.ToString())
        : () => new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);

    public static async Task<DatabaseSnapshot> TakeAsync(Provider provider, Func<DbConnection> connect)
    {
        await using var db = connect();
        await db.OpenAsync();
        var tableSql = provider == Provider.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name";
        var tables = new List<TableCount>();
        foreach (var table in await QueryAsync(db, tableSql, r => r.GetString(0)))
        {
            tables.Add(await CountAsync(db, provider, table));
        }

        var migrations = await QueryAsync(db, "SELECT migration_id FROM __ef_migrations ORDER BY migration_id", r => r.GetString(0));
        var deliveries = await QueryAsync(db, "SELECT id, message_id, endpoint_id, webhook_id, status, attempt_count, next_attempt_at FROM deliveries ORDER BY id",
            r => new DeliveryRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)));
        var events = await QueryAsync(db, "SELECT id, tenant_id, event_type, payload FROM outbox_messages ORDER BY id",
            r => new EventRow(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3)));
        return new DatabaseSnapshot(tables, migrations, deliveries, events);
    }

    /// <summary>Rows of <paramref name="table"/> whose id is at most <paramref name="maxId"/>: the old rows, whatever was added since.</summary>
    public static async Task<long> RowsUpToAsync(Func<DbConnection> connect, string table, long maxId)
    {
        await using var db = connect();
        await db.OpenAsync();
        return (await QueryAsync(db, $"SELECT COUNT(*) FROM \"{table}\" WHERE id <= {maxId}", r => r.GetInt64(0)))[0];
    }

    private static async Task<TableCount> CountAsync(DbConnection db, Provider provider, string table)
    {
        var columnSql = provider == Provider.Sqlite
            ? $"SELECT name FROM pragma_table_info('{table}')"
            : $"SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'";
        var hasId = (await QueryAsync(db, columnSql, r => r.GetString(0))).Contains("id");
        var sql = hasId ? $"SELECT COUNT(*), MAX(id) FROM \"{table}\"" : $"SELECT COUNT(*), NULL FROM \"{table}\"";
        return (await QueryAsync(db, sql, r => new TableCount(table, r.GetInt64(0), r.IsDBNull(1) ? null : Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture))))[0];
    }

    private static async Task<List<T>> QueryAsync<T>(DbConnection db, string sql, Func<DbDataReader, T> read)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }
}
