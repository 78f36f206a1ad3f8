using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// The quoted names of the engine's tables and columns in the host's model (snake_case or not), for the stores' hand-written SQL.
/// <see cref="EventId"/> and <see cref="WebhookMessageId"/> are the columns of <see cref="DeliveryRecord.EventId"/> and
/// <see cref="DeliveryRecord.WebhookMessageId"/>; <see cref="EventKey"/> is the event table's key (<see cref="OutboxMessage.Id"/>).
/// </summary>
internal sealed record DeliveryTables(
    string Deliveries,
    string Messages,
    string Attempts,
    string Id,
    string Status,
    string Next,
    string LeaseOwner,
    string LeaseExpires,
    string Endpoint,
    string EventId,
    string Count,
    string Completed,
    string LastError,
    string WebhookMessageId,
    string EventKey,
    string Payload,
    string AttemptColumns)
{
    /// <summary>The delivery's <c>techlink-sequence</c> column.</summary>
    public required string Sequence { get; init; }

    /// <summary>The event's stored <c>traceparent</c> column.</summary>
    public required string TraceParent { get; init; }
    /// <summary>The last attempt's HTTP status, kept on the row for the log's <c>status_code</c> filter.</summary>
    public string LastStatusCode { get; init; } = "";

    /// <summary>
    /// The test that a row is pending, with the status as a literal: the claim indexes hold pending rows only, and a
    /// query can use them only when its predicate says so in the same words (a parameter cannot prove it).
    /// </summary>
    public string IsPending => $"{Status} = {(int)DeliveryStatus.Pending}";

    /// <summary>What a claim answers per row, in <see cref="DeliveryStoreBase{TContext}.ReadClaimsAsync"/>'s order.</summary>
    public string Returning => $"{Id}, {EventId}, {Endpoint}, {WebhookMessageId}, {Count}, {Next}, {Sequence}";

    public static DeliveryTables Of(DbContext db)
    {
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        var (messages, m) = StoreNames.Of<OutboxMessage>(db);
        var (attempts, a) = StoreNames.Of<DeliveryAttempt>(db);
        var attemptColumns = string.Join(", ", new[]
        {
            nameof(DeliveryAttempt.DeliveryId), nameof(DeliveryAttempt.Attempt), nameof(DeliveryAttempt.StartedAt), nameof(DeliveryAttempt.StatusCode),
            nameof(DeliveryAttempt.DurationMs), nameof(DeliveryAttempt.Error), nameof(DeliveryAttempt.ResponseExcerpt), nameof(DeliveryAttempt.RequestHeaders),
            nameof(DeliveryAttempt.ResponseHeaders),
        }.Select(a));
        return new DeliveryTables(
            deliveries, messages, attempts,
            d(nameof(DeliveryRecord.Id)), d(nameof(DeliveryRecord.Status)), d(nameof(DeliveryRecord.NextAttemptAt)),
            d(nameof(DeliveryRecord.LeaseOwner)), d(nameof(DeliveryRecord.LeaseExpiresAt)), d(nameof(DeliveryRecord.EndpointId)),
            d(nameof(DeliveryRecord.EventId)), d(nameof(DeliveryRecord.AttemptCount)), d(nameof(DeliveryRecord.CompletedAt)),
            d(nameof(DeliveryRecord.LastError)), d(nameof(DeliveryRecord.WebhookMessageId)),
            m(nameof(OutboxMessage.Id)), m(nameof(OutboxMessage.Payload)), attemptColumns)
        {
            Sequence = d(nameof(DeliveryRecord.Sequence)),
            TraceParent = m(nameof(OutboxMessage.TraceParent)),
            LastStatusCode = d(nameof(DeliveryRecord.LastStatusCode)),
        };
    }

    /// <summary>
    /// A loose index scan: from one endpoint to the next through the index that starts with the endpoint, and one probe
    /// of its due range each; the cost grows with the endpoints, not with the rows. <paramref name="notExcluded"/> is the
    /// provider's test that <c>e.id</c> is not in <c>@excluded</c>.
    /// </summary>
    public string Discover(string notExcluded) => $"""
        WITH RECURSIVE e(id) AS (
            SELECT MIN({Endpoint}) FROM {Deliveries}
            UNION ALL
            SELECT (SELECT MIN({Endpoint}) FROM {Deliveries} WHERE {Endpoint} > e.id) FROM e WHERE e.id IS NOT NULL)
        SELECT e.id FROM e
        WHERE e.id IS NOT NULL AND {notExcluded}
          AND EXISTS (
            SELECT 1 FROM {Deliveries} d
            WHERE d.{Endpoint} = e.id AND d.{IsPending} AND d.{Next} <= @now
              AND (d.{LeaseExpires} IS NULL OR d.{LeaseExpires} < @now))
        """;
}
