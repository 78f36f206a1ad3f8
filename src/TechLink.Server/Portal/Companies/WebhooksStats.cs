using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>How a registration has fared: its last delivery (test sends count) and the share of finished real deliveries that succeeded.</summary>
public sealed record WebhookStats(DeliveryStatus? LastStatus, string? LastEvent, DateTime? LastAt, int Succeeded, int Failed, bool LastWasTest = false)
{
    public string SuccessRate => Succeeded + Failed == 0 ? "—" : $"{100.0 * Succeeded / (Succeeded + Failed):0.#}% ({Succeeded} of {Succeeded + Failed})";

    /// <summary>The figures of every registration of a company in three queries (not one per registration).</summary>
    public static async Task<Dictionary<long, WebhookStats>> LoadAsync(TechLinkDbContext db, long companyId, CancellationToken ct)
    {
        var counts = await db.Deliveries.AsNoTracking()
            .Where(d => d.TenantId == companyId && d.Status != DeliveryStatus.Pending && !d.IsTest)
            .GroupBy(d => new { d.EndpointId, d.Status })
            .Select(g => new { g.Key.EndpointId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        var lastIds = await db.Deliveries.AsNoTracking().Where(d => d.TenantId == companyId)
            .GroupBy(d => d.EndpointId).Select(g => g.Max(d => d.Id)).ToListAsync(ct);
        var last = await db.Deliveries.AsNoTracking().Include(d => d.Message).Where(d => lastIds.Contains(d.Id)).ToListAsync(ct);
        return last.Select(d => d.EndpointId).Union(counts.Select(c => c.EndpointId)).Distinct().ToDictionary(e => e, e =>
        {
            var l = last.FirstOrDefault(d => d.EndpointId == e);
            return new WebhookStats(
                l?.Status, l?.Message?.EventType, l?.CompletedAt ?? l?.CreatedAt,
                counts.Where(c => c.EndpointId == e && c.Status == DeliveryStatus.Succeeded).Sum(c => c.Count),
                counts.Where(c => c.EndpointId == e && c.Status == DeliveryStatus.Failed).Sum(c => c.Count),
                l?.IsTest ?? false);
        });
    }
}

/// <summary>
/// A registration's state as one clear word and colour (issue 15): never a green "Enabled" beside failures. The order
/// is what a reader must act on first: switched off, then paused, then how its deliveries fare.
/// </summary>
public sealed record HealthView(string Word, string Css, string Explanation)
{
    public static HealthView Of(WebhookResponse r)
    {
        var state = r.Health?.State ?? "unknown";
        if (!r.Enabled)
        {
            return r.Health?.DisabledReason is { } reason
                ? new("Auto-disabled", "bad", reason)
                : new("Disabled", "off", "Switched off: it receives no events until enabled again.");
        }

        if (r.Paused) return new("Paused", "wait", "Deliveries wait, unattempted, until you resume it.");
        return state switch
        {
            "healthy" => new("Healthy", "ok", "Its recent deliveries succeeded."),
            "degraded" => new("Degraded", "wait", "Some attempts of the last 24 hours failed."),
            "failing" => new("Failing", "bad", "The last delivery failed every attempt."),
            _ => new("No deliveries yet", "off", "Nothing has been attempted yet (tests do not count for health)."),
        };
    }

    /// <summary>The engine's 24-hour success rate, or the share of finished deliveries when no attempt was made in 24 hours.</summary>
    public static string SuccessRate(WebhookResponse r, WebhookStats? stats) =>
        r.Health is { SuccessRate24h: { } rate, Attempts24h: > 0 } h
            ? $"{rate * 100:0.#}% of {h.Attempts24h} attempt{(h.Attempts24h == 1 ? "" : "s")} (24 h)"
            : stats?.SuccessRate ?? "—";
}
