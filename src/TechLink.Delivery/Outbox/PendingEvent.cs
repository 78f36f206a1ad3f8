namespace TechLink.Delivery.Outbox;

/// <summary>An event to be written with a unit of work's changes, and the deliveries it fans out to.</summary>
public sealed record PendingEvent(long TenantId, string EventType, string? Subject, string Payload, DateTime CreatedAt, IReadOnlyList<PendingDelivery> Deliveries);

/// <summary>One registration's copy of a <see cref="PendingEvent"/>: due at once, with its own webhook-id.</summary>
public sealed record PendingDelivery(long EndpointId, string WebhookId);
