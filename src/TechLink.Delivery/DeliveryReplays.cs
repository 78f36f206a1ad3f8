using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery;

/// <summary>What a replay covers: the endpoint, the replay's id (written on every row it queues) and the creation range.</summary>
/// <param name="Parked">The endpoint is paused or disabled: the rows wait parked (<see cref="Parking"/>) until it is active.</param>
public sealed record ReplayScope(long EndpointId, long TenantId, long ReplayId, DateTime Since, DateTime Until, DateTime Now, bool Parked);

/// <summary>
/// Queues a replay's deliveries in the caller's transaction with one <c>INSERT ... SELECT</c> (no round trip per row), so
/// a replay is queued whole or not at all, survives restarts like any delivery, and is sent by the ordinary dispatcher
/// with the endpoint's usual concurrency. Rows are inserted oldest first and all due at once, so they are claimed in that
/// order. The same SQL serves both providers. A range starts at its <see cref="IdMarks"/> floor on <c>(endpoint_id, id)</c>
/// or <c>(tenant_id, id)</c>; no index holds <c>created_at</c>.
/// </summary>
public static class DeliveryReplays
{
    /// <summary>A new attempt series for each of the endpoint's failed deliveries created in the range: same message, <c>webhook-id</c> and sequence.</summary>
    public static async Task<int> QueueFailedAsync(DbContext db, ReplayScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(scope);
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        var sql = $"""
            INSERT INTO {deliveries} ({Columns(d)})
            SELECT x.{d(nameof(DeliveryRecord.EventId))}, x.{d(nameof(DeliveryRecord.EndpointId))}, x.{d(nameof(DeliveryRecord.TenantId))},
                   x.{d(nameof(DeliveryRecord.WebhookMessageId))}, @pending, 0, @next, @now, x.{d(nameof(DeliveryRecord.Id))}, @replay,
                   x.{d(nameof(DeliveryRecord.Sequence))}, @no
            FROM {deliveries} AS x
            WHERE x.{d(nameof(DeliveryRecord.EndpointId))} = @endpoint AND x.{d(nameof(DeliveryRecord.Status))} = @failed
              AND x.{d(nameof(DeliveryRecord.IsTest))} = @no AND x.{d(nameof(DeliveryRecord.Id))} > @floor
              AND x.{d(nameof(DeliveryRecord.CreatedAt))} >= @since AND x.{d(nameof(DeliveryRecord.CreatedAt))} < @until
            ORDER BY x.{d(nameof(DeliveryRecord.CreatedAt))}, x.{d(nameof(DeliveryRecord.Id))}
            """;
        await using var command = Command(db, sql, scope);
        Add(command, "failed", (int)DeliveryStatus.Failed);
        Add(command, "floor", await IdMarks.DeliveryFloorAsync(db, scope.Since, cancellationToken));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A delivery for every event of the tenant created in the range whose type is one of <paramref name="eventTypes"/>
    /// (null: any), whether or not it was ever sent to the endpoint (it may have been disabled). An event that had a
    /// delivery to the endpoint keeps its <c>webhook-id</c> and sequence; one that never had gets a new <c>webhook-id</c>
    /// (<paramref name="webhookIdPrefix"/> followed by the event id) and the next sequence number of its subject.
    /// </summary>
    public static async Task<int> QueueEventsAsync(DbContext db, ReplayScope scope, IReadOnlyList<string>? eventTypes, string webhookIdPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(scope);
        var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
        var (messages, m) = StoreNames.Of<OutboxMessage>(db);
        var types = eventTypes is null ? "" : $"AND e.{m(nameof(OutboxMessage.EventType))} IN ({string.Join(", ", eventTypes.Select((_, i) => "@t" + i))})";
        string Earlier(string column) => $"""
            (SELECT p.{d(column)} FROM {deliveries} AS p
             WHERE p.{d(nameof(DeliveryRecord.EventId))} = e.{m(nameof(OutboxMessage.Id))} AND p.{d(nameof(DeliveryRecord.EndpointId))} = @endpoint
             ORDER BY p.{d(nameof(DeliveryRecord.Id))} LIMIT 1)
            """;
        var sql = $"""
            INSERT INTO {deliveries} ({Columns(d)})
            SELECT e.{m(nameof(OutboxMessage.Id))}, @endpoint, e.{m(nameof(OutboxMessage.TenantId))},
                   COALESCE({Earlier(nameof(DeliveryRecord.WebhookMessageId))}, @prefix || e.{m(nameof(OutboxMessage.Id))}),
                   @pending, 0, @next, @now, {Earlier(nameof(DeliveryRecord.Id))}, @replay, {Earlier(nameof(DeliveryRecord.Sequence))}, @no
            FROM {messages} AS e
            WHERE e.{m(nameof(OutboxMessage.TenantId))} = @tenant AND e.{m(nameof(OutboxMessage.Id))} > @floor
              AND e.{m(nameof(OutboxMessage.CreatedAt))} >= @since AND e.{m(nameof(OutboxMessage.CreatedAt))} < @until
              {types}
              AND NOT EXISTS (SELECT 1 FROM {deliveries} AS t
                              WHERE t.{d(nameof(DeliveryRecord.EventId))} = e.{m(nameof(OutboxMessage.Id))} AND t.{d(nameof(DeliveryRecord.IsTest))} = @yes)
            ORDER BY e.{m(nameof(OutboxMessage.CreatedAt))}, e.{m(nameof(OutboxMessage.Id))}
            """;
        await using var command = Command(db, sql, scope);
        Add(command, "tenant", scope.TenantId);
        Add(command, "floor", await IdMarks.EventFloorAsync(db, scope.Since, cancellationToken));
        Add(command, "prefix", webhookIdPrefix);
        Add(command, "yes", true);
        for (var i = 0; i < (eventTypes?.Count ?? 0); i++) Add(command, "t" + i, eventTypes![i]);
        var queued = await command.ExecuteNonQueryAsync(cancellationToken);
        await NumberFirstSendsAsync(db, scope, cancellationToken);
        return queued;
    }

    /// <summary>
    /// Events that were never queued for the endpoint (it was disabled) get the next <c>techlink-sequence</c> numbers of
    /// their subjects, in event order, in the replay's transaction. Usually few: the rest kept their numbers above.
    /// </summary>
    private static async Task NumberFirstSendsAsync(DbContext db, ReplayScope scope, CancellationToken cancellationToken)
    {
        var unnumbered = await db.Set<DeliveryRecord>()
            .Where(x => x.ReplayId == scope.ReplayId && x.Sequence == null && x.RedeliveryOfId == null)
            .Join(db.Set<OutboxMessage>(), x => x.EventId, e => e.Id, (x, e) => new { x.Id, e.SubjectKey })
            .Where(x => x.SubjectKey != null)
            .OrderBy(x => x.Id)
            .ToListAsync(cancellationToken);
        foreach (var row in unnumbered)
        {
            var number = await SequenceNumbers.NextAsync(db, scope.EndpointId, row.SubjectKey!, cancellationToken);
            await db.Set<DeliveryRecord>().Where(x => x.Id == row.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.Sequence, number), cancellationToken);
        }
    }

    private static string Columns(Func<string, string> d) => string.Join(", ", new[]
    {
        nameof(DeliveryRecord.EventId), nameof(DeliveryRecord.EndpointId), nameof(DeliveryRecord.TenantId), nameof(DeliveryRecord.WebhookMessageId),
        nameof(DeliveryRecord.Status), nameof(DeliveryRecord.AttemptCount), nameof(DeliveryRecord.NextAttemptAt), nameof(DeliveryRecord.CreatedAt),
        nameof(DeliveryRecord.RedeliveryOfId), nameof(DeliveryRecord.ReplayId), nameof(DeliveryRecord.Sequence), nameof(DeliveryRecord.IsTest),
    }.Select(d));

    private static DbCommand Command(DbContext db, string sql, ReplayScope scope)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A replay is queued inside the caller's transaction, with its replay row.");
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "endpoint", scope.EndpointId);
        Add(command, "replay", scope.ReplayId);
        Add(command, "since", scope.Since);
        Add(command, "until", scope.Until);
        Add(command, "now", scope.Now);
        Add(command, "next", scope.Parked ? Parking.Until : scope.Now);
        Add(command, "pending", (int)DeliveryStatus.Pending);
        Add(command, "no", false);
        return command;
    }
}
