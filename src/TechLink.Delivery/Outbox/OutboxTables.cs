using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Outbox;

/// <summary>The quoted names the outbox inserts use, read from the host's model (snake_case or not).</summary>
internal sealed record OutboxTables(string Events, string EventId, string EventColumns, string Deliveries, string DeliveryColumns)
{
    public static OutboxTables Of(DbContext db)
    {
        var (events, m) = StoreNames.Of<OutboxMessage>(db);
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        var eventColumns = $"{m(nameof(OutboxMessage.TenantId))}, {m(nameof(OutboxMessage.EventType))}, {m(nameof(OutboxMessage.Subject))}, {m(nameof(OutboxMessage.Payload))}, {m(nameof(OutboxMessage.CreatedAt))}";
        var deliveryColumns = string.Join(", ", new[]
        {
            nameof(DeliveryRecord.MessageId), nameof(DeliveryRecord.EndpointId), nameof(DeliveryRecord.TenantId), nameof(DeliveryRecord.WebhookId),
            nameof(DeliveryRecord.Status), nameof(DeliveryRecord.AttemptCount), nameof(DeliveryRecord.NextAttemptAt), nameof(DeliveryRecord.CreatedAt),
        }.Select(d));
        return new OutboxTables(events, m(nameof(OutboxMessage.Id)), eventColumns, deliveries, deliveryColumns);
    }
}
