using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Health;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Sqlite;

/// <summary>Endpoint health and stats on SQLite: two upserts per result batch, inside the batch's transaction.</summary>
internal sealed class SqliteHealthWriter
{
    private (string Health, string Stats)? _sql;

    public async Task<IReadOnlyList<HealthRow>> WriteAsync(DbContext db, DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryResult> results, IReadOnlyCollection<long> written, CancellationToken cancellationToken)
    {
        var (health, buckets) = EndpointStatsDelta.From(results, written);
        if (health.Count == 0) return [];
        var sql = Sql(db);
        var rows = new List<HealthRow>(health.Count);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = sql.Health;
            Add(command, "rows", JsonSerializer.Serialize(health.Select(h => new
            {
                endpoint = h.EndpointId,
                failed = h.FailedDeliveries,
                first = h.FirstFailedDeliveryId,
                success = Stamp(h.LastSuccessAt),
                failure = Stamp(h.LastFailureAt),
                auth = Stamp(h.AuthRejectedSince),
            })));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new HealthRow(reader.GetInt64(0), reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)));
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = sql.Stats;
            Add(command, "rows", JsonSerializer.Serialize(buckets.Select(b => new
            {
                endpoint = b.EndpointId,
                bucket = SqliteJson.Timestamp(b.BucketStart),
                attempts = b.Attempts,
                succeeded = b.Succeeded,
                d = b.Durations,
                total = b.DurationMsTotal,
            })));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return rows;
    }

    private static string? Stamp(DateTime? value) => value is { } v ? SqliteJson.Timestamp(v) : null;

    private (string Health, string Stats) Sql(DbContext db)
    {
        if (_sql is { } sql) return sql;
        var t = HealthTables.Of(db);
        var health = t.HealthUpsert($"""
            SELECT value ->> 'endpoint', value ->> 'failed', {t.CreatedAtOf("value ->> 'first'")},
                   value ->> 'success', value ->> 'failure', value ->> 'auth'
            FROM json_each(@rows) WHERE true
            """);
        var durations = string.Join(", ", t.Durations.Select((_, i) => $"value -> 'd' ->> {i}"));
        var stats = t.StatsUpsert($"""
            SELECT value ->> 'endpoint', value ->> 'bucket', value ->> 'attempts', value ->> 'succeeded', {durations}, value ->> 'total'
            FROM json_each(@rows) WHERE true
            """);
        _sql = (health, stats);
        return _sql.Value;
    }
}
