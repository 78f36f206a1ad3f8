namespace TechLink.Delivery.Model;

/// <summary>
/// One event, written in the same transaction as the change that caused it. The body is the exact JSON
/// that receivers get; the engine never looks inside it. <see cref="Subject"/> is an opaque filter tag
/// (the host uses it for the work order id) so the engine stays ignorant of the host's domain.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public long TenantId { get; set; }
    public required string EventType { get; set; }
    public string? Subject { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>
    /// What the event is about, for sequences and fresh snapshots: <c>workorder:12</c>, <c>site:3</c> or <c>user:7</c>
    /// (opaque to the engine; null on events written before it existed).
    /// </summary>
    public string? SubjectKey { get; set; }
    /// <summary>The W3C <c>traceparent</c> of the activity that committed the event, so each attempt can link to it.</summary>
    public string? TraceParent { get; set; }
}
