using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>One row of the engine's <c>deliveries</c> table, with the number of attempts recorded for it.</summary>
public sealed record DeliveryRow(long Id, long MessageId, long EndpointId, string WebhookId, int Status, string? LeaseOwner, int AttemptsRecorded)
{
    public const int Pending = 0;
    public const int Succeeded = 1;
}

/// <summary>
/// Reads the delivery engine's tables straight from the database, as an operator would after an incident: the test's
/// independent view of leases and recorded attempts (columns from src/TechLink.Delivery/Model, snake_case).
/// </summary>
public sealed class DeliveryTable(Func<DbConnection> connect)
{
    public static DeliveryTable Sqlite(string dataPath) =>
        new(() => new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataPath, "techlink.db"),
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString()));

    public static DeliveryTable Postgres(string connectionString) =>
        new(() => new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString));

    private async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var connection = connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    /// <summary>Webhook ids of the pending deliveries that <paramref name="owner"/> holds the lease of: claimed, not yet recorded.</summary>
    public Task<List<string>> LeasedByAsync(string owner) =>
        QueryAsync("SELECT webhook_id FROM deliveries WHERE status = 0 AND lease_owner = @owner", r => r.GetString(0), ("owner", owner));

    /// <summary>Pending deliveries that still carry a lease (owner or expiry), whoever holds it.</summary>
    public async Task<long> PendingWithLeaseAsync() =>
        (await QueryAsync("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND (lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL)", r => r.GetInt64(0)))[0];

    /// <summary>Any delivery, finished or not, that still carries a lease.</summary>
    public async Task<long> WithLeaseAsync() =>
        (await QueryAsync("SELECT COUNT(*) FROM deliveries WHERE lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL", r => r.GetInt64(0)))[0];

    public async Task<long> PendingAsync() =>
        (await QueryAsync("SELECT COUNT(*) FROM deliveries WHERE status = 0", r => r.GetInt64(0)))[0];

    public Task<List<DeliveryRow>> RowsAsync() =>
        QueryAsync(
            """
            SELECT d.id, d.message_id, d.endpoint_id, d.webhook_id, d.status, d.lease_owner,
                   (SELECT COUNT(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)
            FROM deliveries d ORDER BY d.id
            """,
            r => new DeliveryRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetString(5), Convert.ToInt32(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture)));
}
