namespace TechLink.Delivery.Model;

/// <summary>An event to be written with a unit of work's changes, and the deliveries it fans out to.</summary>
public sealed record PendingEvent(long TenantId, string EventType, string? Subject, string Payload, DateTime CreatedAt, IReadOnlyList<PendingDelivery> Deliveries)
{
    /// <summary>What the event is about (<see cref="OutboxMessage.SubjectKey"/>); its deliveries get a sequence number per endpoint and subject. Null: no sequence.</summary>
    public string? SubjectKey { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the activity that queued the event; <c>OutboxInterceptor.Enqueue</c> fills it in from <c>Activity.Current</c> when unset.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// Makes <see cref="Payload"/> at the save that writes the event, after that save's own changes: so one save can
    /// insert a row and an event that carries the id the row was given. Null: <see cref="Payload"/> is the payload.
    /// </summary>
    public Func<string>? PayloadOnSave { get; init; }

    /// <summary>The event as written: its payload made now when <see cref="PayloadOnSave"/> defers it.</summary>
    internal PendingEvent WithPayloadMade() => PayloadOnSave is { } make ? this with { Payload = make(), PayloadOnSave = null } : this;
}

/// <summary>
/// One registration's copy of a <see cref="PendingEvent"/>: due at once, with its own <c>webhook-id</c> header value
/// (<see cref="WebhookMessageId"/>, see <see cref="DeliveryRecord.WebhookMessageId"/>).
/// </summary>
public sealed record PendingDelivery(long EndpointId, string WebhookMessageId);
