using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Sqlite;

/// <summary>
/// The outbox on SQLite (in process, no round trips): three statements, each run once per row (the sequence counter's
/// upsert only for events with a subject). Every writer is in this process and wakes the dispatcher itself, so there
/// is no one else to notify.
/// </summary>
internal sealed class SqliteOutboxWriter(OutboxTables tables) : IOutboxWriter
{
    private readonly string _insertEvent = $"INSERT INTO {tables.Events} ({tables.EventColumns}) VALUES (@tenant, @type, @subject, @payload, @created, @subject_key, @traceparent) RETURNING {tables.EventId}";
    private readonly string _insertDelivery = $"INSERT INTO {tables.Deliveries} ({tables.DeliveryColumns}) VALUES (@event, @endpoint, @tenant, @webhook, @pending, 0, @created, @created, @sequence, @not_test, @owner, @lease)";

    // RETURNING only where the id is needed (rows handed over): SQLite runs a RETURNING insert with a statement journal.
    private string InsertDeliveryReturning => $"{_insertDelivery} RETURNING {tables.DeliveryId}";
    private readonly string _nextSequence = SequenceNumbers.Upsert(tables.Sequences);

    public async Task<IReadOnlyList<ClaimedDelivery>> WriteAsync(DbTransaction transaction, IReadOnlyList<PendingEvent> events, LocalLease? lease, bool async, CancellationToken cancellationToken)
    {
        List<ClaimedDelivery>? handed = null;
        var index = 0;
        var connection = transaction.Connection!;
        await using var insertEvent = connection.CreateCommand();
        insertEvent.Transaction = transaction;
        insertEvent.CommandText = _insertEvent;
        var tenant = Add(insertEvent, "tenant", null);
        var type = Add(insertEvent, "type", null);
        var subject = Add(insertEvent, "subject", null);
        var payload = Add(insertEvent, "payload", null);
        var created = Add(insertEvent, "created", null);
        var subjectKey = Add(insertEvent, "subject_key", null);
        var traceParent = Add(insertEvent, "traceparent", null);
        await using var insertDelivery = connection.CreateCommand();
        insertDelivery.Transaction = transaction;
        insertDelivery.CommandText = _insertDelivery;
        var dEvent = Add(insertDelivery, "event", null);
        var dEndpoint = Add(insertDelivery, "endpoint", null);
        var dTenant = Add(insertDelivery, "tenant", null);
        var dWebhook = Add(insertDelivery, "webhook", null);
        var dCreated = Add(insertDelivery, "created", null);
        var dSequence = Add(insertDelivery, "sequence", null);
        Add(insertDelivery, "pending", (int)DeliveryStatus.Pending);
        Add(insertDelivery, "not_test", false);
        var dOwner = Add(insertDelivery, "owner", null);
        var dLease = Add(insertDelivery, "lease", null);
        await using var insertLeased = lease is null ? null : connection.CreateCommand();
        if (insertLeased is not null)
        {
            insertLeased.Transaction = transaction;
            insertLeased.CommandText = InsertDeliveryReturning;
            foreach (DbParameter p in insertDelivery.Parameters) insertLeased.Parameters.Add(p);
        }

        await using var nextSequence = connection.CreateCommand();
        nextSequence.Transaction = transaction;
        nextSequence.CommandText = _nextSequence;
        var sEndpoint = Add(nextSequence, "endpoint", null);
        var sSubject = Add(nextSequence, "subject", null);
        Add(nextSequence, "count", 1L);
        foreach (var e in events)
        {
            tenant.Value = e.TenantId;
            type.Value = e.EventType;
            subject.Value = (object?)e.Subject ?? DBNull.Value;
            payload.Value = e.Payload;
            created.Value = e.CreatedAt;
            subjectKey.Value = (object?)e.SubjectKey ?? DBNull.Value;
            traceParent.Value = (object?)e.TraceParent ?? DBNull.Value;
            var id = async ? await insertEvent.ExecuteScalarAsync(cancellationToken) : insertEvent.ExecuteScalar();
            dEvent.Value = id;
            dTenant.Value = e.TenantId;
            dCreated.Value = e.CreatedAt;
            foreach (var d in e.Deliveries)
            {
                dEndpoint.Value = d.EndpointId;
                dWebhook.Value = d.WebhookMessageId;
                dSequence.Value = DBNull.Value;
                if (e.SubjectKey is not null)
                {
                    sEndpoint.Value = d.EndpointId;
                    sSubject.Value = e.SubjectKey;
                    dSequence.Value = async ? await nextSequence.ExecuteScalarAsync(cancellationToken) : nextSequence.ExecuteScalar();
                }

                var leased = lease is not null && lease.Leased[index++];
                dOwner.Value = leased ? lease!.Owner : DBNull.Value;
                dLease.Value = leased ? lease!.Until : DBNull.Value;
                if (!leased)
                {
                    _ = async ? await insertDelivery.ExecuteNonQueryAsync(cancellationToken) : insertDelivery.ExecuteNonQuery();
                }
                else
                {
                    var deliveryId = async ? await insertLeased!.ExecuteScalarAsync(cancellationToken) : insertLeased!.ExecuteScalar();
                    (handed ??= []).Add(new ClaimedDelivery(Convert.ToInt64(deliveryId, CultureInfo.InvariantCulture), Convert.ToInt64(id, CultureInfo.InvariantCulture),
                        d.EndpointId, d.WebhookMessageId, 0, e.CreatedAt, lease!.Until)
                    {
                        Payload = e.Payload,
                        TraceParent = e.TraceParent,
                        Sequence = dSequence.Value is DBNull ? null : Convert.ToInt64(dSequence.Value, CultureInfo.InvariantCulture),
                    });
                }
            }
        }

        return handed ?? (IReadOnlyList<ClaimedDelivery>)[];
    }

    public DbCommand? CreateNotify(DbTransaction transaction, IReadOnlyCollection<long> endpoints) => null;

    public Task NotifyCommittedAsync(DbContext context, IReadOnlyCollection<long> endpoints, bool async, CancellationToken cancellationToken) => Task.CompletedTask;
}
