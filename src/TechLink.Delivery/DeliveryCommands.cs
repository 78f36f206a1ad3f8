using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery;

/// <summary>Operations the host performs on deliveries inside its own unit of work.</summary>
public static class DeliveryCommands
{
    /// <summary>
    /// Adds (without saving) a new pending delivery that repeats a finished one: same message, endpoint and
    /// <c>webhook-id</c> (the receiver's idempotency key) and <c>techlink-sequence</c>, a fresh attempt series, due at <paramref name="now"/>.
    /// </summary>
    public static DeliveryRecord Redeliver(DbContext db, DeliveryRecord finished, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(finished);
        if (finished.Status == DeliveryStatus.Pending)
        {
            throw new InvalidOperationException($"Delivery {finished.Id} is still pending; only finished deliveries can be redelivered.");
        }

        var record = new DeliveryRecord
        {
            EventId = finished.EventId,
            EndpointId = finished.EndpointId,
            TenantId = finished.TenantId,
            WebhookMessageId = finished.WebhookMessageId,
            Status = DeliveryStatus.Pending,
            NextAttemptAt = now,
            CreatedAt = now,
            RedeliveryOfId = finished.Id,
            // The same event to the same endpoint: the receiver sees the same position in the subject's sequence.
            Sequence = finished.Sequence,
        };
        db.Add(record);
        return record;
    }
}
