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
    public static async Task<Outcome<DeliveryResponse>> RedeliverCurrentAsync(DeliveryRecord finished, TechLinkDbContext db, EventOutbox outbox, FileStore files, CancellationToken ct)
    {
        if (await DeliveryLogService.CannotRedeliverAsync(finished, db, ct) is { } refused) return refused;
        var message = finished.Message!;
        var snapshot = await CurrentSnapshot.BuildAsync(db, files, message, ct);
        if (snapshot.Problem is { } problem) return Refusal.Conflict(problem);

        return await db.CommitOnSuccessAsync<DeliveryResponse>(async () =>
        {
            var webhookId = outbox.AddForRegistration(db, message.TenantId, message.EventType, snapshot.Subject!, snapshot.Payload!, finished.EndpointId);
            await db.SaveChangesAsync(ct);
            // The outbox writer knows nothing of redeliveries: link the new row to the one it repeats here.
            await db.Deliveries.Where(x => x.EndpointId == finished.EndpointId && x.WebhookMessageId == webhookId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RedeliveryOfId, finished.Id), ct);
            var again = await db.Deliveries.AsNoTracking().Include(x => x.Message)
                .SingleAsync(x => x.EndpointId == finished.EndpointId && x.WebhookMessageId == webhookId, ct);
            return DeliveryResponse.From(again, again.Message!, withPayload: false);
        }, ct);
    }
}
