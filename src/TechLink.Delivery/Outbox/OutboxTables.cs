using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Outbox;

/// <summary>The quoted names the outbox inserts use, read from the host's model (snake_case or not).</summary>
internal sealed record OutboxTables(string Events, string EventId, string EventColumns, string Deliveries, string DeliveryColumns)
{
    /// <summary>The delivery's id column (answered for rows handed over locally).</summary>
    public string DeliveryId { get; init; } = "";

    /// <summary>What an insert answers per delivery handed over locally: id, event id, webhook id, sequence.</summary>
    public string DeliveryReturning { get; init; } = "";

    /// <summary>The table and columns of <see cref="EndpointSequence"/>, for <see cref="SequenceNumbers"/>.</summary>
    public required SequenceTable Sequences { get; init; }

    public static OutboxTables Of(DbContext db)
    {
        var (events, m) = StoreNames.Of<OutboxMessage>(db);
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        var eventColumns = $"{m(nameof(OutboxMessage.TenantId))}, {m(nameof(OutboxMessage.EventType))}, {m(nameof(OutboxMessage.Subject))}, {m(nameof(OutboxMessage.Payload))}, {m(nameof(OutboxMessage.CreatedAt))}, {m(nameof(OutboxMessage.SubjectKey))}, {m(nameof(OutboxMessage.TraceParent))}";
        var deliveryColumns = string.Join(", ", new[]
        {
            nameof(DeliveryRecord.EventId), nameof(DeliveryRecord.EndpointId), nameof(DeliveryRecord.TenantId), nameof(DeliveryRecord.WebhookMessageId),
            nameof(DeliveryRecord.Status), nameof(DeliveryRecord.AttemptCount), nameof(DeliveryRecord.NextAttemptAt), nameof(DeliveryRecord.CreatedAt),
            nameof(DeliveryRecord.Sequence), nameof(DeliveryRecord.IsTest), nameof(DeliveryRecord.LeaseOwner), nameof(DeliveryRecord.LeaseExpiresAt),
        }.Select(d));
        return new OutboxTables(events, m(nameof(OutboxMessage.Id)), eventColumns, deliveries, deliveryColumns) { Sequences = SequenceTable.Of(db),
            DeliveryId = d(nameof(DeliveryRecord.Id)),
            DeliveryReturning = $"{d(nameof(DeliveryRecord.Id))}, {d(nameof(DeliveryRecord.EventId))}, {d(nameof(DeliveryRecord.WebhookMessageId))}, {d(nameof(DeliveryRecord.Sequence))}",
        };
    }
}

/// <summary>The quoted names of the <c>techlink-sequence</c> counters' table.</summary>
internal sealed record SequenceTable(string Table, string EndpointId, string SubjectKey, string Value)
{
    public static SequenceTable Of(DbContext db)
    {
        var (table, q) = StoreNames.Of<EndpointSequence>(db);
        return new SequenceTable(table, q(nameof(EndpointSequence.EndpointId)), q(nameof(EndpointSequence.SubjectKey)), q(nameof(EndpointSequence.Value)));
    }
}
