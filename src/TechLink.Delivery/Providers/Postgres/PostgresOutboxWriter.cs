using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Postgres;

/// <summary>
/// The outbox on PostgreSQL: one statement writes every event and delivery of the unit of work (the event ids are drawn
/// from the sequence first, so each delivery names its event), and a <c>NOTIFY techlink_deliveries</c> naming the
/// endpoints goes out with the commit, so other nodes' dispatchers claim for exactly those. The same statement advances
/// the <c>techlink-sequence</c> counters of the batch's (endpoint, subject) pairs, once per pair (<see cref="SequenceNumbers"/>).
/// </summary>
internal sealed class PostgresOutboxWriter : IOutboxWriter
{
    public const string Channel = "techlink_deliveries";
    private const string NotifySql = $"SELECT pg_notify('{Channel}', @endpoints)";

    private readonly string _insert;

    /// <summary>The same, answering the rows (for those handed over locally).</summary>
    private readonly string _insertReturning;

    public PostgresOutboxWriter(OutboxTables t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var idColumn = t.EventId.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);
        // The ids are drawn first (a volatile CTE is evaluated once), so every delivery row can name its event.
        _insert = $"""
            WITH ids AS (
                SELECT n, nextval(pg_get_serial_sequence('{t.Events.Replace("'", "''", StringComparison.Ordinal)}', '{idColumn.Replace("'", "''", StringComparison.Ordinal)}')) AS id
                FROM generate_series(1, @count::bigint) AS n),
            inserted AS (
                INSERT INTO {t.Events} ({t.EventId}, {t.EventColumns})
                SELECT ids.id, e.tenant, e.type, e.subject, e.payload, e.created, e.subject_key, e.traceparent
                FROM unnest(@e_tenant::bigint[], @e_type::text[], @e_subject::text[], @e_payload::text[], @e_created::timestamptz[],
                            @e_subject_key::text[], @e_traceparent::text[])
                    WITH ORDINALITY AS e(tenant, type, subject, payload, created, subject_key, traceparent, n)
                JOIN ids USING (n)),
            seq AS (
                {SequenceNumbers.UpsertMany(t.Sequences)})
            INSERT INTO {t.Deliveries} ({t.DeliveryColumns})
            SELECT ids.id, x.endpoint, x.tenant, x.webhook, @pending, 0, x.created, x.created, seq.last - x.back, false, x.owner, x.lease
            FROM unnest(@d_event::bigint[], @d_endpoint::bigint[], @d_tenant::bigint[], @d_webhook::text[], @d_created::timestamptz[],
                        @d_subject::text[], @d_back::bigint[], @d_owner::text[], @d_lease::timestamptz[])
                AS x(n, endpoint, tenant, webhook, created, subject, back, owner, lease)
            JOIN ids USING (n)
            LEFT JOIN seq ON seq.endpoint = x.endpoint AND seq.subject = x.subject
            """;
        _insertReturning = _insert + $"\nRETURNING {t.DeliveryReturning}";
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> WriteAsync(DbTransaction transaction, IReadOnlyList<PendingEvent> events, LocalLease? lease, bool async, CancellationToken cancellationToken)
    {
        var deliveries = events.SelectMany((e, i) => e.Deliveries.Select(d => (Event: i + 1, e.TenantId, e.CreatedAt, d))).ToList();
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _insert;
        Add(command, "count", events.Count);
        Add(command, "e_tenant", events.Select(e => e.TenantId).ToArray());
        Add(command, "e_type", events.Select(e => e.EventType).ToArray());
        Add(command, "e_subject", events.Select(e => e.Subject).ToArray());
        Add(command, "e_payload", events.Select(e => e.Payload).ToArray());
        Add(command, "e_created", events.Select(e => e.CreatedAt).ToArray());
        Add(command, "d_event", deliveries.Select(d => (long)d.Event).ToArray());
        Add(command, "d_endpoint", deliveries.Select(d => d.d.EndpointId).ToArray());
        Add(command, "d_tenant", deliveries.Select(d => d.TenantId).ToArray());
        Add(command, "d_webhook", deliveries.Select(d => d.d.WebhookMessageId).ToArray());
        Add(command, "d_created", deliveries.Select(d => d.CreatedAt).ToArray());
        Add(command, "e_subject_key", events.Select(e => e.SubjectKey).ToArray());
        Add(command, "e_traceparent", events.Select(e => e.TraceParent).ToArray());
        var plan = SequenceNumbers.Plan([.. deliveries.Select(d => (d.d.EndpointId, events[d.Event - 1].SubjectKey))]);
        Add(command, "d_subject", deliveries.Select(d => events[d.Event - 1].SubjectKey).ToArray());
        Add(command, "d_back", plan.Back);
        Add(command, "s_endpoint", plan.Endpoints);
        Add(command, "s_subject", plan.Subjects);
        Add(command, "s_count", plan.Counts);
        Add(command, "pending", (int)DeliveryStatus.Pending);
        var leased = lease is { Any: true } ? lease : null;
        Add(command, "d_owner", deliveries.Select((_, i) => leased is not null && leased.Leased[i] ? leased.Owner : null).ToArray());
        Add(command, "d_lease", deliveries.Select((_, i) => leased is not null && leased.Leased[i] ? leased.Until : (DateTime?)null).ToArray());
        if (leased is not null) command.CommandText = _insertReturning;
        // Npgsql keeps prepared statements per physical connection: planned once, not on every save.
        if (async) await command.PrepareAsync(cancellationToken);
        else command.Prepare();
        if (leased is null)
        {
            _ = async ? await command.ExecuteNonQueryAsync(cancellationToken) : command.ExecuteNonQuery();
            return [];
        }

        // The rows come back with their ids and sequence numbers; the webhook id (one per delivery) says which they are.
        var rows = new Dictionary<string, (long Id, long EventId, long? Sequence)>(deliveries.Count);
        await using (var reader = async ? await command.ExecuteReaderAsync(cancellationToken) : command.ExecuteReader())
        {
            while (async ? await reader.ReadAsync(cancellationToken) : reader.Read())
            {
                rows[reader.GetString(2)] = (reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(3) ? null : reader.GetInt64(3));
            }
        }

        var handed = new List<ClaimedDelivery>();
        for (var i = 0; i < deliveries.Count; i++)
        {
            if (!leased.Leased[i]) continue;
            var (eventNumber, _, created, delivery) = deliveries[i];
            var e = events[eventNumber - 1];
            var row = rows[delivery.WebhookMessageId];
            handed.Add(new ClaimedDelivery(row.Id, row.EventId, delivery.EndpointId, delivery.WebhookMessageId, 0, created, leased.Until)
            {
                Payload = e.Payload,
                TraceParent = e.TraceParent,
                Sequence = row.Sequence,
            });
        }

        return handed;
    }

    public DbCommand? CreateNotify(DbTransaction transaction, IReadOnlyCollection<long> endpoints) =>
        CreateNotify(transaction, DeliverySignal.Payload(endpoints));

    public DbCommand? CreateNotify(DbTransaction transaction, string payload)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = NotifySql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "endpoints";
        parameter.Value = payload;
        command.Parameters.Add(parameter);
        return command;
    }

    public Task NotifyCommittedAsync(DbContext context, IReadOnlyCollection<long> endpoints, bool async, CancellationToken cancellationToken) =>
        NotifyCommittedAsync(context, DeliverySignal.Payload(endpoints), async, cancellationToken);

    public async Task NotifyCommittedAsync(DbContext context, string payload, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (async) await context.Database.ExecuteSqlRawAsync(NotifySql, [new NpgsqlParameter("endpoints", payload)], cancellationToken);
        else context.Database.ExecuteSqlRaw(NotifySql, new NpgsqlParameter("endpoints", payload));
    }
}
