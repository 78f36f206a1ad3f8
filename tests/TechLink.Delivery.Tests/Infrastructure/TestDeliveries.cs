using TechLink.Delivery.Model;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>Pending deliveries as the host's outbox writes them: one event each, due now, to one endpoint.</summary>
public static class TestDeliveries
{
    /// <summary>Adds <paramref name="count"/> pending deliveries (not saved); <paramref name="payload"/> gets the row's index.</summary>
    public static List<DeliveryRecord> Add(TestDbContext db, long endpointId, int count, DateTime now, Func<int, string> payload)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(payload);
        var records = new List<DeliveryRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var record = new DeliveryRecord
            {
                Message = new OutboxMessage { TenantId = 7, EventType = "work order created", Subject = "123456", Payload = payload(i), CreatedAt = now },
                EndpointId = endpointId,
                TenantId = 7,
                WebhookMessageId = "msg_" + Guid.CreateVersion7().ToString("N"),
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            };
            db.Add(record);
            records.Add(record);
        }

        return records;
    }
}
