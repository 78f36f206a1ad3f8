using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Health;

/// <summary>A row of <see cref="EndpointHealth"/> as a result write left it: what the auto-disable rule looks at.</summary>
internal sealed record HealthRow(long EndpointId, int ConsecutiveFailedDeliveries, DateTime? FailingSince);

/// <summary>
/// The upserts that keep <see cref="EndpointHealth"/> and <see cref="EndpointStatsBucket"/> current, shared by both
/// providers (<c>INSERT ... ON CONFLICT DO UPDATE</c> reads the same on SQLite and PostgreSQL); each provider supplies the
/// rows (<c>json_each</c> or <c>unnest</c>) as a <c>SELECT</c> in the column order of <see cref="HealthColumns"/> and
/// <see cref="StatsColumns"/>.
/// </summary>
internal sealed class HealthTables
{
    private HealthTables(DbContext db)
    {
        var (health, h) = StoreNames.Of<EndpointHealth>(db);
        var (stats, s) = StoreNames.Of<EndpointStatsBucket>(db);
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        Health = health;
        Stats = stats;
        Deliveries = deliveries;
        DeliveryId = d(nameof(DeliveryRecord.Id));
        DeliveryCreated = d(nameof(DeliveryRecord.CreatedAt));
        Endpoint = h(nameof(EndpointHealth.EndpointId));
        Consecutive = h(nameof(EndpointHealth.ConsecutiveFailedDeliveries));
        FailingSince = h(nameof(EndpointHealth.FailingSince));
        LastSuccess = h(nameof(EndpointHealth.LastSuccessAt));
        LastFailure = h(nameof(EndpointHealth.LastFailureAt));
        AuthRejected = h(nameof(EndpointHealth.AuthRejectedSince));
        StatsEndpoint = s(nameof(EndpointStatsBucket.EndpointId));
        BucketStart = s(nameof(EndpointStatsBucket.BucketStart));
        Attempts = s(nameof(EndpointStatsBucket.Attempts));
        Succeeded = s(nameof(EndpointStatsBucket.Succeeded));
        Durations = [.. Enumerable.Range(0, EndpointStatsBucket.DurationBoundsMs.Length + 1).Select(i => s("D" + i))];
        DurationTotal = s(nameof(EndpointStatsBucket.DurationMsTotal));
    }

    public string Health { get; }
    public string Stats { get; }
    public string Deliveries { get; }
    public string DeliveryId { get; }
    public string DeliveryCreated { get; }
    public string Endpoint { get; }
    public string Consecutive { get; }
    public string FailingSince { get; }
    public string LastSuccess { get; }
    public string LastFailure { get; }
    public string AuthRejected { get; }
    public string StatsEndpoint { get; }
    public string BucketStart { get; }
    public string Attempts { get; }
    public string Succeeded { get; }
    public IReadOnlyList<string> Durations { get; }
    public string DurationTotal { get; }

    public static HealthTables Of(DbContext db) => new(db);

    public string HealthColumns => $"{Endpoint}, {Consecutive}, {FailingSince}, {LastSuccess}, {LastFailure}, {AuthRejected}";

    public string StatsColumns => $"{StatsEndpoint}, {BucketStart}, {Attempts}, {Succeeded}, {string.Join(", ", Durations)}, {DurationTotal}";

    /// <summary>The <c>created_at</c> of the delivery whose id is <paramref name="idExpression"/> (the start of a failing run).</summary>
    public string CreatedAtOf(string idExpression) => $"(SELECT run_start.{DeliveryCreated} FROM {Deliveries} run_start WHERE run_start.{DeliveryId} = {idExpression})";

    /// <summary>
    /// A batch with a success (its <c>last_success_at</c> set) restarts the run from what followed it; one without adds
    /// its failed deliveries to the run and keeps the run's start and first 401/403.
    /// </summary>
    public string HealthUpsert(string rows) => $"""
        INSERT INTO {Health} ({HealthColumns})
        {rows}
        ON CONFLICT ({Endpoint}) DO UPDATE SET
            {Consecutive} = CASE WHEN excluded.{LastSuccess} IS NULL THEN {Health}.{Consecutive} + excluded.{Consecutive} ELSE excluded.{Consecutive} END,
            {FailingSince} = CASE WHEN excluded.{LastSuccess} IS NULL THEN COALESCE({Health}.{FailingSince}, excluded.{FailingSince}) ELSE excluded.{FailingSince} END,
            {AuthRejected} = CASE WHEN excluded.{LastSuccess} IS NULL THEN COALESCE({Health}.{AuthRejected}, excluded.{AuthRejected}) ELSE excluded.{AuthRejected} END,
            {LastSuccess} = COALESCE(excluded.{LastSuccess}, {Health}.{LastSuccess}),
            {LastFailure} = COALESCE(excluded.{LastFailure}, {Health}.{LastFailure})
        RETURNING {Endpoint}, {Consecutive}, {FailingSince}
        """;

    public string StatsUpsert(string rows) => $"""
        INSERT INTO {Stats} ({StatsColumns})
        {rows}
        ON CONFLICT ({StatsEndpoint}, {BucketStart}) DO UPDATE SET
            {Attempts} = {Stats}.{Attempts} + excluded.{Attempts},
            {Succeeded} = {Stats}.{Succeeded} + excluded.{Succeeded},
            {string.Join(",\n    ", Durations.Select(c => $"{c} = {Stats}.{c} + excluded.{c}"))},
            {DurationTotal} = {Stats}.{DurationTotal} + excluded.{DurationTotal}
        """;
}
