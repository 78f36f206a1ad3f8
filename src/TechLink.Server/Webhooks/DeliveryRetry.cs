using Microsoft.EntityFrameworkCore;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// "Retry now" of a pending delivery (the portal's delivery page, issue 15): the row, waiting for its next attempt, is made
/// due now and the dispatchers are woken: the same row, the same series of attempts. A delivery that is being sent right
/// now (a live lease), or whose registration is paused or disabled, is refused with 409 and says why. (A finished one is
/// redelivered instead: <see cref="DeliveryLogService.RetryNowAsync"/>.)
/// </summary>
internal static class DeliveryRetry
{
    public static async Task<Outcome<RetryNowResponse>> DueNowAsync(DeliveryRecord pending, TechLinkDbContext db, EndpointChanges changes, TimeProvider clock, CancellationToken ct)
    {
        var r = await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == pending.EndpointId, ct);
        if (r is null) return Refusal.Conflict("The registration of this delivery was deleted.");
        if (!r.Enabled) return Refusal.Conflict("The registration is disabled: enable it first, then its deliveries are sent again.");
        if (r.Paused) return Refusal.Conflict("The registration is paused: resume it and its waiting deliveries are sent, oldest first.");

        var now = clock.GetUtcNow().UtcDateTime;
        var id = pending.Id;
        var moved = await db.Deliveries
            .Where(x => x.Id == id && x.Status == DeliveryStatus.Pending && (x.LeaseExpiresAt == null || x.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextAttemptAt, now), ct);
        if (moved == 0) return Refusal.Conflict("This delivery is being sent right now; its result shows in a moment.");
        await changes.WakeAsync(db, [pending.EndpointId], ct);
        return new RetryNowResponse(Formats.Id(id), Formats.Instant(now));
    }
}

/// <summary>A pending delivery made due now: its next attempt starts within the dispatcher's next turn.</summary>
public sealed record RetryNowResponse(string DeliveryId, string NextAttemptAt);

/// <summary>What "Retry now" did: a pending delivery made due now, or a finished one redelivered.</summary>
public sealed record RetryNowResult(RetryNowResponse? DueNow, DeliveryResponse? Redelivery);
