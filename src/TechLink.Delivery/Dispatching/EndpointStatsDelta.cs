using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// What one endpoint's results in one batch change in its <see cref="EndpointHealth"/> row. <see cref="LastSuccessAt"/>
/// set means the batch had a success, so the running counts restart from what came after it.
/// </summary>
internal sealed record HealthDelta(
    long EndpointId,
    int FailedDeliveries,
    long? FirstFailedDeliveryId,
    DateTime? LastSuccessAt,
    DateTime? LastFailureAt,
    DateTime? AuthRejectedSince);

/// <summary>What one endpoint's attempts in one batch add to one five-minute <see cref="EndpointStatsBucket"/>.</summary>
internal sealed record BucketDelta(long EndpointId, DateTime BucketStart, int Attempts, int Succeeded, int[] Durations, long DurationMsTotal);

/// <summary>
/// Folds a batch of written results into per-endpoint health and stats changes, in C# so each provider needs one upsert
/// per table per batch (not per row). Only results whose row was written (the lease still ours) count; results without
/// an attempt (a lease handed back, a registration gone or disabled) count for nothing.
/// </summary>
internal static class EndpointStatsDelta
{
    public static readonly TimeSpan BucketWidth = TimeSpan.FromMinutes(5);

    public static (List<HealthDelta> Health, List<BucketDelta> Buckets) From(IReadOnlyList<DeliveryResult> results, IReadOnlyCollection<long> written)
    {
        var writtenSet = written as ISet<long> ?? written.ToHashSet();
        var health = new List<HealthDelta>();
        var buckets = new Dictionary<(long, DateTime), (int Attempts, int Succeeded, int[] Durations, long Total)>();
        foreach (var endpoint in results.Where(r => r.Attempt is not null && writtenSet.Contains(r.Claim.Id)).GroupBy(r => r.Claim.EndpointId).OrderBy(g => g.Key))
        {
            var list = endpoint.ToList();
            var lastSuccess = list.FindLastIndex(r => r.Status == DeliveryStatus.Succeeded);
            var after = list.Skip(lastSuccess + 1).ToList();
            var failed = after.Where(r => r.Status == DeliveryStatus.Failed).ToList();
            var auth = after.Where(r => r.Attempt!.StatusCode is 401 or 403).Select(r => (DateTime?)r.Attempt!.StartedAt).Min();
            var failures = list.Where(r => r.Status != DeliveryStatus.Succeeded).Select(r => (DateTime?)r.Attempt!.StartedAt).Max();
            health.Add(new HealthDelta(
                endpoint.Key,
                failed.Count,
                failed.Count == 0 ? null : failed.Min(r => r.Claim.Id),
                lastSuccess < 0 ? null : list[lastSuccess].Attempt!.StartedAt,
                failures,
                auth));

            foreach (var r in list)
            {
                var attempt = r.Attempt!;
                var key = (endpoint.Key, BucketOf(attempt.StartedAt));
                if (!buckets.TryGetValue(key, out var bucket)) bucket = (0, 0, new int[EndpointStatsBucket.DurationBoundsMs.Length + 1], 0);
                bucket.Durations[DurationIndex(attempt.DurationMs)]++;
                buckets[key] = (bucket.Attempts + 1, bucket.Succeeded + (r.Status == DeliveryStatus.Succeeded ? 1 : 0), bucket.Durations, bucket.Total + attempt.DurationMs);
            }
        }

        return (health, [.. buckets.OrderBy(b => b.Key.Item1).ThenBy(b => b.Key.Item2)
            .Select(b => new BucketDelta(b.Key.Item1, b.Key.Item2, b.Value.Attempts, b.Value.Succeeded, b.Value.Durations, b.Value.Total))]);
    }

    public static DateTime BucketOf(DateTime instant) =>
        new(instant.Ticks - (instant.Ticks % BucketWidth.Ticks), DateTimeKind.Utc);

    public static int DurationIndex(int durationMs)
    {
        var bounds = EndpointStatsBucket.DurationBoundsMs;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (durationMs <= bounds[i]) return i;
        }

        return bounds.Length;
    }
}
