namespace TechLink.Delivery.Model;

public enum DeliveryStatus
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>
/// One message to one endpoint. Created in the same transaction as its message, so no crash between the
/// change and the send can lose it. <see cref="WebhookId"/> is stable across attempts (the receiver's
/// idempotency key); a redelivery is a new record with a new attempt series but the same webhook id.
/// </summary>
public sealed class DeliveryRecord
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public OutboxMessage? Message { get; set; }
    public long EndpointId { get; set; }
    public long TenantId { get; set; }
    public required string WebhookId { get; set; }
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
