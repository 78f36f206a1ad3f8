using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Redeliver with <c>{"snapshot": "current"}</c>: the event's subject as a GET answers it now, sent to the delivery's
/// registration as a new message (new <c>webhook-id</c>, the subject's next <c>techlink-sequence</c>), linked to the
/// delivery it repeats through <c>redelivery_of</c>.
/// </summary>
internal static class SnapshotRedelivery
{
    public static async Task<IResult> RedeliverCurrentAsync(DeliveryRecord finished, TechLinkDbContext db, EventOutbox outbox, FileStore files, CancellationToken ct)
    {
        if (finished.Status == DeliveryStatus.Pending) return Problems.Conflict("This delivery is still pending; it can be redelivered once it has succeeded or failed.");
        if (!await db.WebhookRegistrations.AnyAsync(r => r.Id == finished.EndpointId, ct)) return Problems.Conflict("The registration of this delivery was deleted.");
        var message = finished.Message!;
        var snapshot = await CurrentSnapshot.BuildAsync(db, files, message, ct);
        if (snapshot.Problem is { } problem) return Problems.Conflict(problem);

        return await db.InTransactionAsync<IResult>(async () =>
        {
            var webhookId = outbox.AddForRegistration(db, message.TenantId, message.EventType, snapshot.Subject!, snapshot.Payload!, finished.EndpointId);
            await db.SaveChangesAsync(ct);
            // The outbox writer knows nothing of redeliveries: link the new row to the one it repeats here.
            await db.Deliveries.Where(x => x.EndpointId == finished.EndpointId && x.WebhookMessageId == webhookId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RedeliveryOfId, finished.Id), ct);
            var again = await db.Deliveries.AsNoTracking().Include(x => x.Message)
                .SingleAsync(x => x.EndpointId == finished.EndpointId && x.WebhookMessageId == webhookId, ct);
            return TypedResults.Accepted($"/api/v1/webhooks/deliveries/{again.Id}", DeliveryResponse.From(again, again.Message!, withPayload: false));
        }, ct);
    }
}
