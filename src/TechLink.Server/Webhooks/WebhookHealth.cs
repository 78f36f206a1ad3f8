using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

public sealed record HealthWarning(string Code, string Message, string? Since);

/// <summary>A registration's <c>health</c>, read from what the engine maintains (never from the delivery log).</summary>
public sealed record WebhookHealthResponse(
    string State,
    [property: JsonPropertyName("success_rate_24h")] double? SuccessRate24h,
    [property: JsonPropertyName("attempts_24h")] int Attempts24h,
    int ConsecutiveFailedDeliveries,
    string? LastSuccessAt,
    string? LastFailureAt,
    [property: JsonPropertyName("p95_duration_ms_24h")] int? P95DurationMs24h,
    string? DisabledReason,
    string? DisabledAt,
    IReadOnlyList<HealthWarning> Warnings);

/// <summary>
/// Computes <see cref="WebhookHealthResponse"/> from <see cref="EndpointHealth"/> and at most 288 five-minute
/// <see cref="EndpointStatsBucket"/> rows per registration (test sends are never in them).
/// </summary>
internal static class WebhookHealth
{
    public const string LatencyNearTimeout = "latency_near_timeout";
    public const string AuthRejectedAfterChange = "auth_rejected_after_change";
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(5);

    /// <summary>The health of each registration, in two queries whatever their number.</summary>
    public static async Task<Dictionary<long, WebhookHealthResponse>> ForAsync(TechLinkDbContext db, IReadOnlyCollection<WebhookRegistration> registrations,
        DeliveryOptions options, DateTime now, CancellationToken ct)
    {
        var ids = registrations.Select(r => r.Id).ToList();
        if (ids.Count == 0) return [];
        var from = WindowStart(now, TimeSpan.FromHours(24));
        // The buckets first: the engine writes a result's health row and its bucket in one transaction, and a later query
        // sees every commit an earlier one saw, so attempts are never shown without the health they came with.
        var buckets = (await db.EndpointStats.AsNoTracking().Where(b => ids.Contains(b.EndpointId) && b.BucketStart >= from).ToListAsync(ct))
            .ToLookup(b => b.EndpointId);
        var health = await db.EndpointHealth.AsNoTracking().Where(h => ids.Contains(h.EndpointId)).ToDictionaryAsync(h => h.EndpointId, ct);
        return registrations.ToDictionary(r => r.Id, r => Compute(r, health.GetValueOrDefault(r.Id), [.. buckets[r.Id]], options, now));
    }

    public static async Task<WebhookHealthResponse> ForAsync(TechLinkDbContext db, WebhookRegistration registration, DeliveryOptions options, DateTime now, CancellationToken ct) =>
        (await ForAsync(db, [registration], options, now, ct))[registration.Id];

    /// <summary>The first bucket of the window of <paramref name="length"/> that ends with the current bucket.</summary>
    private static DateTime WindowStart(DateTime now, TimeSpan length)
    {
        var current = new DateTime(now.Ticks - (now.Ticks % Bucket.Ticks), DateTimeKind.Utc);
        return current - length + Bucket;
    }

    public static WebhookHealthResponse Compute(WebhookRegistration r, EndpointHealth? h, IReadOnlyList<EndpointStatsBucket> buckets, DeliveryOptions options, DateTime now)
    {
        var attempts = buckets.Sum(b => b.Attempts);
        var succeeded = buckets.Sum(b => b.Succeeded);
        var timeoutMs = (int)options.Timeout.TotalMilliseconds;
        var state = !r.Enabled ? "disabled"
            : r.Paused ? "paused"
            : h is null ? "unknown"
            : h.ConsecutiveFailedDeliveries > 0 ? "failing"
            : attempts > succeeded ? "degraded"
            : "healthy";
        var warnings = new List<HealthWarning>();
        var hourFrom = WindowStart(now, TimeSpan.FromHours(1));
        var lastHour = buckets.Where(b => b.BucketStart >= hourFrom).ToList();
        if (P95(lastHour, timeoutMs) is { } hourP95 && hourP95 > timeoutMs / 2)
        {
            warnings.Add(new HealthWarning(LatencyNearTimeout,
                $"In the last hour 5% of the receiver's answers took {hourP95} ms or longer, over half the {timeoutMs} ms timeout; answer first and process later.",
                Formats.Instant(lastHour.Where(b => b.Attempts > 0).Min(b => (DateTime?)b.BucketStart))));
        }

        if (h?.AuthRejectedSince is { } rejected && r.CredentialsChangedAt is { } changed && rejected >= changed)
        {
            warnings.Add(new HealthWarning(AuthRejectedAfterChange,
                $"The receiver answers 401/403 since the registration's URL, token or secret changed ({Formats.Instant(changed)}); update the receiver's token or secret.",
                Formats.Instant(rejected)));
        }

        return new WebhookHealthResponse(
            state,
            attempts == 0 ? null : Math.Round((double)succeeded / attempts, 4),
            attempts,
            h?.ConsecutiveFailedDeliveries ?? 0,
            Formats.Instant(h?.LastSuccessAt),
            Formats.Instant(h?.LastFailureAt),
            P95(buckets, timeoutMs),
            r.Enabled ? null : r.DisabledReason,
            r.Enabled ? null : Formats.Instant(r.DisabledAt),
            warnings);
    }

    /// <summary>
    /// The 95th percentile from the summed histograms, interpolated linearly within the bucket it falls in; the last,
    /// unbounded bucket is taken to end at the timeout.
    /// </summary>
    public static int? P95(IReadOnlyList<EndpointStatsBucket> buckets, int timeoutMs)
    {
        var bounds = EndpointStatsBucket.DurationBoundsMs;
        var counts = new long[bounds.Length + 1];
        foreach (var b in buckets)
        {
            int[] d = [b.D0, b.D1, b.D2, b.D3, b.D4, b.D5, b.D6, b.D7, b.D8, b.D9, b.D10, b.D11];
            for (var i = 0; i < counts.Length; i++) counts[i] += d[i];
        }

        var total = counts.Sum();
        if (total == 0) return null;
        var rank = 0.95 * total;
        double before = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0 || before + counts[i] < rank)
            {
                before += counts[i];
                continue;
            }

            double lower = i == 0 ? 0 : bounds[i - 1];
            double upper = i < bounds.Length ? bounds[i] : Math.Max(timeoutMs, lower);
            return (int)Math.Round(lower + ((upper - lower) * (rank - before) / counts[i]));
        }

        return bounds[^1];
    }
}
