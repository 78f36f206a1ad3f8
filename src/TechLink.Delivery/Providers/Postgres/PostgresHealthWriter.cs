using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Health;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Postgres;

/// <summary>Endpoint health and stats on PostgreSQL: one statement (two upserts) per result batch, inside the batch's transaction.</summary>
internal sealed class PostgresHealthWriter
{
    private string? _sql;

    public async Task<IReadOnlyList<HealthRow>> WriteAsync(DbContext db, DbConnection connection, DbTransaction transaction,
        IReadOnlyList<DeliveryResult> results, IReadOnlyCollection<long> written, CancellationToken cancellationToken)
    {
        var (health, buckets) = EndpointStatsDelta.From(results, written);
        if (health.Count == 0) return [];
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _sql ??= Sql(db);
        Add(command, "h_endpoint", health.Select(h => h.EndpointId).ToArray());
        Add(command, "h_failed", health.Select(h => h.FailedDeliveries).ToArray());
        Add(command, "h_first", health.Select(h => h.FirstFailedDeliveryId).ToArray());
        Add(command, "h_success", health.Select(h => h.LastSuccessAt).ToArray());
        Add(command, "h_failure", health.Select(h => h.LastFailureAt).ToArray());
        Add(command, "h_auth", health.Select(h => h.AuthRejectedSince).ToArray());
        Add(command, "s_endpoint", buckets.Select(b => b.EndpointId).ToArray());
        Add(command, "s_bucket", buckets.Select(b => b.BucketStart).ToArray());
        Add(command, "s_attempts", buckets.Select(b => b.Attempts).ToArray());
        Add(command, "s_succeeded", buckets.Select(b => b.Succeeded).ToArray());
        for (var i = 0; i <= Model.EndpointStatsBucket.DurationBoundsMs.Length; i++)
        {
            var index = i;
            Add(command, $"s_d{i}", buckets.Select(b => b.Durations[index]).ToArray());
        }

        Add(command, "s_total", buckets.Select(b => b.DurationMsTotal).ToArray());

        await command.PrepareAsync(cancellationToken);
        var rows = new List<HealthRow>(health.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new HealthRow(reader.GetInt64(0), reader.GetInt32(1),
                reader.IsDBNull(2) ? null : DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)));
        }

        return rows;
    }

    private static string Sql(DbContext db)
    {
        var t = HealthTables.Of(db);
        var n = t.Durations.Count;
        var durationArrays = string.Join(", ", Enumerable.Range(0, n).Select(i => $"@s_d{i}::int[]"));
        var durationNames = string.Join(", ", Enumerable.Range(0, n).Select(i => $"d{i}"));
        var health = t.HealthUpsert($"""
            SELECT x.endpoint_id, x.failed, {t.CreatedAtOf("x.first_failed")}, x.success, x.failure, x.auth
            FROM unnest(@h_endpoint::bigint[], @h_failed::int[], @h_first::bigint[], @h_success::timestamptz[],
                        @h_failure::timestamptz[], @h_auth::timestamptz[]) AS x(endpoint_id, failed, first_failed, success, failure, auth)
            WHERE true
            """);
        var stats = t.StatsUpsert($"""
            SELECT * FROM unnest(@s_endpoint::bigint[], @s_bucket::timestamptz[], @s_attempts::int[], @s_succeeded::int[], {durationArrays}, @s_total::bigint[])
                AS y(endpoint_id, bucket_start, attempts, succeeded, {durationNames}, duration_ms_total)
            WHERE true
            """);
        return $"""
            WITH h AS (
            {health}),
            s AS (
            {stats}
            RETURNING 1)
            SELECT * FROM h
            """;
    }
}
