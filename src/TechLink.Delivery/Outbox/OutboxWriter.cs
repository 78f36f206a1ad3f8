using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Delivery.Model;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// Writes a unit of work's events and their deliveries inside its transaction with hand-written inserts: every change
/// the API makes writes them, and EF Core's change tracking cost more than the rest of the write. On PostgreSQL one
/// statement writes them all (the event ids are drawn from the sequence first, so each delivery names its event); on
/// SQLite (in process, no round trips) two prepared statements are run once per row.
/// </summary>
internal static class OutboxWriter
{
    private static readonly ConditionalWeakTable<IModel, OutboxSql> Statements = [];

    public static async Task WriteAsync(DbContext db, IReadOnlyList<PendingEvent> events, bool async, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Outbox events are written inside the unit of work's transaction.");
        var sql = Statements.GetValue(db.Model, _ => OutboxSql.For(db));
        var connection = transaction.Connection!;
        if (sql.Postgres) await WritePostgresAsync(connection, transaction, sql, events, async, cancellationToken);
        else await WriteSqliteAsync(connection, transaction, sql, events, async, cancellationToken);
    }

    private static async Task WritePostgresAsync(DbConnection connection, DbTransaction transaction, OutboxSql sql, IReadOnlyList<PendingEvent> events, bool async, CancellationToken cancellationToken)
    {
        var deliveries = events.SelectMany((e, i) => e.Deliveries.Select(d => (Event: i + 1, e.TenantId, e.CreatedAt, d))).ToList();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql.Insert;
        Add(command, "count", events.Count);
        Add(command, "e_tenant", events.Select(e => e.TenantId).ToArray());
        Add(command, "e_type", events.Select(e => e.EventType).ToArray());
        Add(command, "e_subject", events.Select(e => e.Subject).ToArray());
        Add(command, "e_payload", events.Select(e => e.Payload).ToArray());
        Add(command, "e_created", events.Select(e => e.CreatedAt).ToArray());
        Add(command, "d_event", deliveries.Select(d => (long)d.Event).ToArray());
        Add(command, "d_endpoint", deliveries.Select(d => d.d.EndpointId).ToArray());
        Add(command, "d_tenant", deliveries.Select(d => d.TenantId).ToArray());
        Add(command, "d_webhook", deliveries.Select(d => d.d.WebhookId).ToArray());
        Add(command, "d_created", deliveries.Select(d => d.CreatedAt).ToArray());
        Add(command, "pending", (int)DeliveryStatus.Pending);
        // Npgsql keeps prepared statements per physical connection: planned once, not on every save.
        if (async) await command.PrepareAsync(cancellationToken);
        else command.Prepare();
        _ = async ? await command.ExecuteNonQueryAsync(cancellationToken) : command.ExecuteNonQuery();
    }

    private static async Task WriteSqliteAsync(DbConnection connection, DbTransaction transaction, OutboxSql sql, IReadOnlyList<PendingEvent> events, bool async, CancellationToken cancellationToken)
    {
        await using var insertEvent = connection.CreateCommand();
        insertEvent.Transaction = transaction;
        insertEvent.CommandText = sql.InsertEvent;
        var tenant = Add(insertEvent, "tenant", null);
        var type = Add(insertEvent, "type", null);
        var subject = Add(insertEvent, "subject", null);
        var payload = Add(insertEvent, "payload", null);
        var created = Add(insertEvent, "created", null);
        await using var insertDelivery = connection.CreateCommand();
        insertDelivery.Transaction = transaction;
        insertDelivery.CommandText = sql.InsertDelivery;
        var dEvent = Add(insertDelivery, "event", null);
        var dEndpoint = Add(insertDelivery, "endpoint", null);
        var dTenant = Add(insertDelivery, "tenant", null);
        var dWebhook = Add(insertDelivery, "webhook", null);
        var dCreated = Add(insertDelivery, "created", null);
        Add(insertDelivery, "pending", (int)DeliveryStatus.Pending);
        foreach (var e in events)
        {
            tenant.Value = e.TenantId;
            type.Value = e.EventType;
            subject.Value = (object?)e.Subject ?? DBNull.Value;
            payload.Value = e.Payload;
            created.Value = e.CreatedAt;
            var id = async ? await insertEvent.ExecuteScalarAsync(cancellationToken) : insertEvent.ExecuteScalar();
            dEvent.Value = id;
            dTenant.Value = e.TenantId;
            dCreated.Value = e.CreatedAt;
            foreach (var d in e.Deliveries)
            {
                dEndpoint.Value = d.EndpointId;
                dWebhook.Value = d.WebhookId;
                _ = async ? await insertDelivery.ExecuteNonQueryAsync(cancellationToken) : insertDelivery.ExecuteNonQuery();
            }
        }
    }

    private sealed record OutboxSql(bool Postgres, string Insert, string InsertEvent, string InsertDelivery)
    {
        public static OutboxSql For(DbContext db)
        {
            var (events, m) = StoreNames.Of<OutboxMessage>(db);
            var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
            var eventColumns = $"{m(nameof(OutboxMessage.TenantId))}, {m(nameof(OutboxMessage.EventType))}, {m(nameof(OutboxMessage.Subject))}, {m(nameof(OutboxMessage.Payload))}, {m(nameof(OutboxMessage.CreatedAt))}";
            var deliveryColumns = string.Join(", ", new[]
            {
                nameof(DeliveryRecord.MessageId), nameof(DeliveryRecord.EndpointId), nameof(DeliveryRecord.TenantId), nameof(DeliveryRecord.WebhookId),
                nameof(DeliveryRecord.Status), nameof(DeliveryRecord.AttemptCount), nameof(DeliveryRecord.NextAttemptAt), nameof(DeliveryRecord.CreatedAt),
            }.Select(d));
            var id = m(nameof(OutboxMessage.Id));
            var idColumn = id.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);

            // The ids are drawn first (a volatile CTE is evaluated once), so every delivery row can name its event.
            var insert = $"""
                WITH ids AS (
                    SELECT n, nextval(pg_get_serial_sequence('{events.Replace("'", "''", StringComparison.Ordinal)}', '{idColumn.Replace("'", "''", StringComparison.Ordinal)}')) AS id
                    FROM generate_series(1, @count::bigint) AS n),
                inserted AS (
                    INSERT INTO {events} ({id}, {eventColumns})
                    SELECT ids.id, e.tenant, e.type, e.subject, e.payload, e.created
                    FROM unnest(@e_tenant::bigint[], @e_type::text[], @e_subject::text[], @e_payload::text[], @e_created::timestamptz[])
                        WITH ORDINALITY AS e(tenant, type, subject, payload, created, n)
                    JOIN ids USING (n))
                INSERT INTO {deliveries} ({deliveryColumns})
                SELECT ids.id, x.endpoint, x.tenant, x.webhook, @pending, 0, x.created, x.created
                FROM unnest(@d_event::bigint[], @d_endpoint::bigint[], @d_tenant::bigint[], @d_webhook::text[], @d_created::timestamptz[])
                    AS x(n, endpoint, tenant, webhook, created)
                JOIN ids USING (n)
                """;
            var insertEvent = $"INSERT INTO {events} ({eventColumns}) VALUES (@tenant, @type, @subject, @payload, @created) RETURNING {id}";
            var insertDelivery = $"INSERT INTO {deliveries} ({deliveryColumns}) VALUES (@event, @endpoint, @tenant, @webhook, @pending, 0, @created, @created)";
            return new OutboxSql(StoreNames.IsPostgres(db), insert, insertEvent, insertDelivery);
        }
    }
}
