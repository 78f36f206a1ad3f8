namespace TechLink.Delivery.Model;

public enum DeliveryStatus
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>
/// One message to one endpoint. Created in the same transaction as its message, so no crash between the
/// change and the send can lose it. <see cref="WebhookMessageId"/> is stable across attempts (the receiver's
/// idempotency key); a redelivery is a new record with a new attempt series but the same webhook message id.
/// </summary>
/// <remarks>
/// Two ids here are easy to confuse with the registration ("webhook") id, so their names say what they are:
/// <see cref="EventId"/> is the event's row (<see cref="OutboxMessage.Id"/>, column <c>message_id</c>, the API's
/// <c>event_id</c>); <see cref="WebhookMessageId"/> is the <c>webhook-id</c> header value (<c>msg_...</c>, what Standard
/// Webhooks calls the message id; column <c>webhook_id</c>, the API's <c>message_id</c>). The registration is
/// <see cref="EndpointId"/>. Column names stay as they were (see <c>DeliveryRecordConfiguration</c>).
/// </remarks>
public sealed class DeliveryRecord
{
    public long Id { get; set; }
    /// <summary>The event this delivers (<see cref="OutboxMessage.Id"/>; column <c>message_id</c>, the API's <c>event_id</c>).</summary>
    public long EventId { get; set; }
    /// <summary>The event row <see cref="EventId"/> points at.</summary>
    public OutboxMessage? Message { get; set; }
    public long EndpointId { get; set; }
    public long TenantId { get; set; }
    /// <summary>
    /// The <c>webhook-id</c> header value (<c>msg_...</c>): the Standard Webhooks message id the receiver deduplicates
    /// on, stable across attempts and redeliveries. Column <c>webhook_id</c>, the API's <c>message_id</c>; not a registration id.
    /// </summary>
    public required string WebhookMessageId { get; set; }
    public DeliveryStatus Status { get; set; }
    public int AttemptCount { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>The finished delivery this one repeats (see <see cref="DeliveryCommands.Redeliver"/>), if any.</summary>
    public long? RedeliveryOfId { get; set; }
    /// <summary>A test or readiness-check send (issue 14): logged, but left out of health and of the default log listing.</summary>
    public bool IsTest { get; set; }
    /// <summary>
    /// The <c>techlink-sequence</c> header: this delivery's position among the events of its message's
    /// <see cref="OutboxMessage.SubjectKey"/> queued for the same endpoint, from 1, in commit order. Null on rows written
    /// before sequences existed and on test sends.
    /// </summary>
    public long? Sequence { get; set; }
    /// <summary>The replay job that queued this delivery, if any.</summary>
    public long? ReplayId { get; set; }
    /// <summary>The HTTP status of the last attempt (null: none yet, or no answer); the log's <c>status_code</c> filter.</summary>
    public int? LastStatusCode { get; set; }
    public List<DeliveryAttempt> Attempts { get; set; } = [];
}
