using Microsoft.EntityFrameworkCore;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// "Retry now" of the portal's delivery page (issue 15). A pending delivery (waiting for its next attempt) is made due
/// now and the dispatchers are woken: the same row, the same series of attempts. A finished one is redelivered (a new
/// series with the same payload and <c>webhook-id</c>). A delivery that is being sent right now (a live lease), or
/// whose registration is paused or disabled, is refused with 409 and says why.
/// </summary>
internal static class DeliveryRetry
{
    public static async Task<IResult> RetryNowAsync(string deliveryId, HttpContext http, TechLinkDbContext db, EndpointChanges changes, TimeProvider clock, CancellationToken ct)
    {
        if (!Formats.TryParseId(deliveryId, out var id)) return Problems.NotFound("delivery");
        var d = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (d is null || !Caller.From(http.User).CanSee(d.TenantId)) return Problems.NotFound("delivery");
        if (d.Status != DeliveryStatus.Pending) return await WebhookEndpoints.RedeliverAsync(deliveryId, http, db, clock, ct);

        var r = await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == d.EndpointId, ct);
        if (r is null) return Problems.Conflict("The registration of this delivery was deleted.");
        if (!r.Enabled) return Problems.Conflict("The registration is disabled: enable it first, then its deliveries are sent again.");
        if (r.Paused) return Problems.Conflict("The registration is paused: resume it and its waiting deliveries are sent, oldest first.");

        var now = clock.GetUtcNow().UtcDateTime;
        var moved = await db.Deliveries
            .Where(x => x.Id == id && x.Status == DeliveryStatus.Pending && (x.LeaseExpiresAt == null || x.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextAttemptAt, now), ct);
        if (moved == 0) return Problems.Conflict("This delivery is being sent right now; its result shows in a moment.");
        await changes.WakeAsync(db, [d.EndpointId], ct);
        return TypedResults.Ok(new RetryNowResponse(Formats.Id(id), Formats.Instant(now)));
    }
}

/// <summary>A pending delivery made due now: its next attempt starts within the dispatcher's next turn.</summary>
public sealed record RetryNowResponse(string DeliveryId, string NextAttemptAt);
