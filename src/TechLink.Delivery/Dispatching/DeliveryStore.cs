using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using TechLink.Delivery.Model;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Dispatching;

/// <summary>How many due deliveries of one endpoint a claim may take.</summary>
internal readonly record struct EndpointClaim(long EndpointId, int Limit);

/// <summary>A delivery this node holds the lease of (until <see cref="LeaseUntil"/>), with what it needs to send.</summary>
internal sealed record ClaimedDelivery(long Id, long MessageId, long EndpointId, string WebhookId, int AttemptCount, DateTime NextAttemptAt, DateTime LeaseUntil)
{
    public string Payload { get; set; } = "";
}

/// <summary>
/// What to write back for a claimed delivery. <see cref="Attempt"/> is null when nothing was sent (a lease handed
/// back, or a registration that is gone).
/// </summary>
internal sealed record DeliveryResult(
    ClaimedDelivery Claim,
    DeliveryStatus Status,
    int AttemptCount,
    DateTime NextAttemptAt,
    DateTime? CompletedAt,
    string? LastError,
    DeliveryAttempt? Attempt)
{
    /// <summary>Hands the lease back without counting an attempt: the row is claimable again (at once, or at <paramref name="retryAt"/>).</summary>
    public static DeliveryResult Release(ClaimedDelivery claim, DateTime? retryAt = null) =>
        new(claim, DeliveryStatus.Pending, claim.AttemptCount, retryAt ?? claim.NextAttemptAt, null, null, null);

    /// <summary>Whether the row's last error is (re)written: after an attempt, or when the delivery ends.</summary>
    public bool WritesError => Attempt is not null || Status != DeliveryStatus.Pending;
}

/// <summary>The dispatcher's database work; one implementation per host DbContext type.</summary>
internal interface IDeliveryStore
{
    /// <summary>
    /// Leases, for each endpoint asked for, up to its limit of its due deliveries (oldest due first) to this node until
    /// <paramref name="leaseUntil"/>, with their payloads: each endpoint's rows are read through its own index range, so
    /// the backlog of another endpoint is never scanned. One statement on PostgreSQL, one transaction on SQLite.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// The endpoints (none of <paramref name="excluded"/>) that have due deliveries nobody holds: one index probe per
    /// endpoint that has any delivery rows, not a scan of the backlog.
    /// </summary>
    Task<IReadOnlyList<long>> DiscoverAsync(IReadOnlyCollection<long> excluded, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the results (and their attempts) in one transaction, fenced by lease owner and attempt count; answers
    /// how many were dropped because the lease was no longer ours.
    /// </summary>
    Task<int> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the due, unleased pending rows of these endpoints to <paramref name="until"/> (no attempt counted); answers
    /// how many.
    /// </summary>
    Task<int> PostponeAsync(IReadOnlyCollection<long> endpoints, DateTime until, DateTime now, CancellationToken cancellationToken);

    Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken);

    /// <summary>A new, unopened connection for LISTEN on PostgreSQL; null on other providers.</summary>
    Task<NpgsqlConnection?> CreateListenerConnectionAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Hand-written SQL on the hot path (claims and result writes run for every delivery): a claim is one statement and
/// a batch of results is one transaction — on PostgreSQL one statement for the whole batch, on SQLite (in process,
/// no round trips) one prepared statement per row. Table and column names come from the host's EF model.
/// </summary>
internal sealed class DeliveryStore<TContext>(IDbContextFactory<TContext> factory, DeliveryNode node) : IDeliveryStore
    where TContext : DbContext
{
    private DeliverySql? _sql;

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        if (endpoints.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _sql ??= DeliverySql.For(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        // On SQLite the claim is an EF transaction like every other write, so the host's write queue (if any) orders it.
        await using var transaction = sql.Postgres ? null : await db.Database.BeginTransactionAsync(cancellationToken);
        var claims = new List<ClaimedDelivery>(endpoints.Sum(e => e.Limit));
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction?.GetDbTransaction();
            command.CommandText = sql.Claim;
            Add(command, "owner", node.Id);
            Add(command, "until", leaseUntil);
            Add(command, "now", now);
            Add(command, "pending", (int)DeliveryStatus.Pending);
            if (sql.Postgres)
            {
                // One statement: each endpoint's due rows through its own index range (a LATERAL per endpoint).
                Add(command, "endpoints", endpoints.Select(e => e.EndpointId).ToArray());
                Add(command, "limits", endpoints.Select(e => e.Limit).ToArray());
                // Npgsql keeps prepared statements per physical connection: planned once, not on every claim.
                await command.PrepareAsync(cancellationToken);
                await ReadClaimsAsync(command, claims, leaseUntil, withPayload: true, cancellationToken);
            }
            else
            {
                // In process: one execution per distinct limit (SQLite's LIMIT cannot name the outer row), each endpoint
                // still read through its own index range.
                var endpointIds = Add(command, "endpoints", "[]");
                var limit = Add(command, "limit", 0);
                foreach (var group in endpoints.GroupBy(e => e.Limit))
                {
                    endpointIds.Value = JsonSerializer.Serialize(group.Select(e => e.EndpointId));
                    limit.Value = group.Key;
                    await ReadClaimsAsync(command, claims, leaseUntil, withPayload: false, cancellationToken);
                }
            }
        }

        if (!sql.Postgres && claims.Count > 0)
        {
            // SQLite's RETURNING cannot name a joined table: read the payloads on the same connection (in process).
            var payloads = new Dictionary<long, string>(claims.Count);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction?.GetDbTransaction();
            command.CommandText = sql.Payloads;
            Add(command, "ids", JsonSerializer.Serialize(claims.Select(c => c.MessageId).Distinct()));
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) payloads[reader.GetInt64(0)] = reader.GetString(1);
            }

            foreach (var claim in claims) claim.Payload = payloads.GetValueOrDefault(claim.MessageId, "");

            // SQLite's UPDATE ... RETURNING does not keep the subquery's order.
            claims.Sort((a, b) => a.NextAttemptAt.CompareTo(b.NextAttemptAt));
        }

        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        return claims;
    }

    private static async Task ReadClaimsAsync(DbCommand command, List<ClaimedDelivery> claims, DateTime leaseUntil, bool withPayload, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new ClaimedDelivery(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                reader.GetString(3),
                reader.GetInt32(4),
                DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc),
                leaseUntil)
            {
                Payload = withPayload ? reader.GetString(6) : "",
            });
        }
    }

    public async Task<IReadOnlyList<long>> DiscoverAsync(IReadOnlyCollection<long> excluded, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _sql ??= DeliverySql.For(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql.Discover;
        Add(command, "now", now);
        Add(command, "pending", (int)DeliveryStatus.Pending);
        Add(command, "excluded", sql.Postgres ? excluded.ToArray() : JsonSerializer.Serialize(excluded));
        var found = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetInt64(0));
        return found;
    }

    public async Task<int> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return 0;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _sql ??= DeliverySql.For(db);
        return sql.Postgres ? await WritePostgresAsync(db, sql, results, cancellationToken) : await WriteSqliteAsync(db, sql, results, cancellationToken);
    }

    private async Task<int> WritePostgresAsync(TContext db, DeliverySql sql, IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        var attempts = results.Where(r => r.Attempt is not null).Select(r => r.Attempt!).ToList();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        // One statement: the fenced UPDATE of every row and the INSERT of the attempts of the rows it updated.
        command.CommandText = sql.WritePostgres;
        Add(command, "owner", node.Id);
        Add(command, "ids", results.Select(r => r.Claim.Id).ToArray());
        Add(command, "expected", results.Select(r => r.Claim.AttemptCount).ToArray());
        Add(command, "statuses", results.Select(r => (int)r.Status).ToArray());
        Add(command, "counts", results.Select(r => r.AttemptCount).ToArray());
        Add(command, "nexts", results.Select(r => r.NextAttemptAt).ToArray());
        Add(command, "completed", results.Select(r => r.CompletedAt).ToArray());
        Add(command, "set_errors", results.Select(r => r.WritesError).ToArray());
        Add(command, "errors", results.Select(r => r.LastError).ToArray());
        Add(command, "a_delivery", attempts.Select(a => a.DeliveryId).ToArray());
        Add(command, "a_attempt", attempts.Select(a => a.Attempt).ToArray());
        Add(command, "a_started", attempts.Select(a => a.StartedAt).ToArray());
        Add(command, "a_status", attempts.Select(a => a.StatusCode).ToArray());
        Add(command, "a_duration", attempts.Select(a => a.DurationMs).ToArray());
        Add(command, "a_error", attempts.Select(a => a.Error).ToArray());
        Add(command, "a_excerpt", attempts.Select(a => a.ResponseExcerpt).ToArray());
        Add(command, "a_headers", attempts.Select(a => a.RequestHeaders).ToArray());
        await command.PrepareAsync(cancellationToken);
        var updated = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return results.Count - updated;
    }

    private async Task<int> WriteSqliteAsync(TContext db, DeliverySql sql, IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        // Two statements for the whole batch, each reading its rows from one JSON parameter: the fenced UPDATE answers
        // the rows it wrote, and only their attempts are inserted.
        var updated = new List<long>(results.Count);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = dbTransaction;
            update.CommandText = sql.UpdateSqlite;
            Add(update, "owner", node.Id);
            Add(update, "results", SqliteJson.Results(results));
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) updated.Add(reader.GetInt64(0));
        }

        var attempts = results.Where(r => r.Attempt is not null).Select(r => r.Attempt!).ToList();
        if (attempts.Count > 0 && updated.Count > 0)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = dbTransaction;
            insert.CommandText = sql.InsertAttempt;
            Add(insert, "attempts", SqliteJson.Attempts(attempts));
            Add(insert, "updated", JsonSerializer.Serialize(updated));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return results.Count - updated.Count;
    }

    public async Task<int> PostponeAsync(IReadOnlyCollection<long> endpoints, DateTime until, DateTime now, CancellationToken cancellationToken)
    {
        var ids = endpoints.ToList();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _sql ??= DeliverySql.For(db);
        // On SQLite an EF transaction, so the host's write queue (if any) orders it like the other writes.
        await using var transaction = sql.Postgres ? null : await db.Database.BeginTransactionAsync(cancellationToken);
        var moved = await db.Set<DeliveryRecord>()
            .Where(d => ids.Contains(d.EndpointId) && d.Status == DeliveryStatus.Pending && d.NextAttemptAt < until && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, until), cancellationToken);
        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        return moved;
    }

    public async Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pending = db.Set<DeliveryRecord>().Where(d => d.Status == DeliveryStatus.Pending);
        var count = await pending.LongCountAsync(cancellationToken);
        // The earliest due time, read from the claim index (a MIN over created_at would scan the whole table, and on
        // SQLite a long read holds back WAL checkpoints while the dispatcher writes).
        var oldest = count == 0 ? null : await pending.MinAsync(d => (DateTime?)d.NextAttemptAt, cancellationToken);
        return (count, oldest is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : null);
    }

    public async Task<NpgsqlConnection?> CreateListenerConnectionAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Cloning keeps the host's data source settings (password provider, TLS) without opening the context's connection.
        return db.Database.GetDbConnection() is ICloneable cloneable and NpgsqlConnection ? cloneable.Clone() as NpgsqlConnection : null;
    }

    /// <summary>The hot-path statements, with table and column names read from the host's model (snake_case or not).</summary>
    private sealed record DeliverySql(bool Postgres, string Claim, string Discover, string Payloads, string WritePostgres, string UpdateSqlite, string InsertAttempt)
    {
        public static DeliverySql For(DbContext db)
        {
            var postgres = StoreNames.IsPostgres(db);
            var (deliveries, d) = StoreNames.Of<DeliveryRecord>(db);
            var (messages, m) = StoreNames.Of<OutboxMessage>(db);
            var (attempts, a) = StoreNames.Of<DeliveryAttempt>(db);
            var id = d(nameof(DeliveryRecord.Id));
            var status = d(nameof(DeliveryRecord.Status));
            var next = d(nameof(DeliveryRecord.NextAttemptAt));
            var leaseOwner = d(nameof(DeliveryRecord.LeaseOwner));
            var leaseExpires = d(nameof(DeliveryRecord.LeaseExpiresAt));
            var endpoint = d(nameof(DeliveryRecord.EndpointId));
            var messageId = d(nameof(DeliveryRecord.MessageId));
            var count = d(nameof(DeliveryRecord.AttemptCount));
            var completed = d(nameof(DeliveryRecord.CompletedAt));
            var lastError = d(nameof(DeliveryRecord.LastError));
            var returning = $"{id}, {messageId}, {endpoint}, {d(nameof(DeliveryRecord.WebhookId))}, {count}, {next}";
            var attemptColumns = string.Join(", ", new[]
            {
                nameof(DeliveryAttempt.DeliveryId), nameof(DeliveryAttempt.Attempt), nameof(DeliveryAttempt.StartedAt), nameof(DeliveryAttempt.StatusCode),
                nameof(DeliveryAttempt.DurationMs), nameof(DeliveryAttempt.Error), nameof(DeliveryAttempt.ResponseExcerpt), nameof(DeliveryAttempt.RequestHeaders),
            }.Select(a));

            // Many nodes: rows locked by another node's claim are skipped, not waited for. The payloads come back in the
            // same round trip.
            var claimPostgres = $"""
                WITH picked AS (
                    SELECT p.{id} FROM unnest(@endpoints::bigint[], @limits::int[]) AS w(endpoint_id, n)
                    CROSS JOIN LATERAL (
                        SELECT {id} FROM {deliveries}
                        WHERE {endpoint} = w.endpoint_id AND {status} = @pending AND {next} <= @now
                          AND ({leaseExpires} IS NULL OR {leaseExpires} < @now)
                        ORDER BY {next}
                        LIMIT w.n
                        FOR UPDATE SKIP LOCKED) p),
                claimed AS (
                    UPDATE {deliveries} SET {leaseOwner} = @owner, {leaseExpires} = @until
                    WHERE {id} IN (SELECT {id} FROM picked)
                    RETURNING {returning})
                SELECT c.*, msg.{m(nameof(OutboxMessage.Payload))}
                FROM claimed c JOIN {messages} msg ON msg.{m(nameof(OutboxMessage.Id))} = c.{messageId}
                ORDER BY c.{next}
                """;

            // SQLite has one writer at a time, so the UPDATE itself is the lock.
            var claimSqlite = $"""
                UPDATE {deliveries} SET {leaseOwner} = @owner, {leaseExpires} = @until
                WHERE {id} IN (
                    SELECT x.{id} FROM json_each(@endpoints) AS w
                    JOIN {deliveries} AS x ON x.{id} IN (
                        SELECT y.{id} FROM {deliveries} AS y
                        WHERE y.{endpoint} = w.value AND y.{status} = @pending AND y.{next} <= @now
                          AND (y.{leaseExpires} IS NULL OR y.{leaseExpires} < @now)
                        ORDER BY y.{next}
                        LIMIT @limit))
                RETURNING {returning}
                """;

            // A loose index scan: from one endpoint to the next through the index that starts with the endpoint, and one
            // probe of its due range each; the cost grows with the endpoints, not with the rows.
            var notExcluded = postgres ? "NOT (e.id = ANY(@excluded))" : "e.id NOT IN (SELECT value FROM json_each(@excluded))";
            var discover = $"""
                WITH RECURSIVE e(id) AS (
                    SELECT MIN({endpoint}) FROM {deliveries}
                    UNION ALL
                    SELECT (SELECT MIN({endpoint}) FROM {deliveries} WHERE {endpoint} > e.id) FROM e WHERE e.id IS NOT NULL)
                SELECT e.id FROM e
                WHERE e.id IS NOT NULL AND {notExcluded}
                  AND EXISTS (
                    SELECT 1 FROM {deliveries} d
                    WHERE d.{endpoint} = e.id AND d.{status} = @pending AND d.{next} <= @now
                      AND (d.{leaseExpires} IS NULL OR d.{leaseExpires} < @now))
                """;
            var payloads = $"SELECT {m(nameof(OutboxMessage.Id))}, {m(nameof(OutboxMessage.Payload))} FROM {messages} WHERE {m(nameof(OutboxMessage.Id))} IN (SELECT value FROM json_each(@ids))";

            var writePostgres = $"""
                WITH r AS (
                    SELECT * FROM unnest(@ids::bigint[], @expected::int[], @statuses::int[], @counts::int[], @nexts::timestamptz[],
                                         @completed::timestamptz[], @set_errors::boolean[], @errors::text[])
                        AS r(id, expected, status, attempt_count, next_at, completed_at, set_error, error)),
                updated AS (
                    UPDATE {deliveries} d SET {status} = r.status, {count} = r.attempt_count, {next} = r.next_at,
                        {leaseOwner} = NULL, {leaseExpires} = NULL,
                        {completed} = COALESCE(r.completed_at, d.{completed}),
                        {lastError} = CASE WHEN r.set_error THEN r.error ELSE d.{lastError} END
                    FROM r
                    WHERE d.{id} = r.id AND d.{leaseOwner} = @owner AND d.{count} = r.expected
                    RETURNING d.{id}),
                inserted AS (
                    INSERT INTO {attempts} ({attemptColumns})
                    SELECT x.* FROM unnest(@a_delivery::bigint[], @a_attempt::int[], @a_started::timestamptz[], @a_status::int[],
                                           @a_duration::int[], @a_error::text[], @a_excerpt::text[], @a_headers::text[])
                        AS x(delivery_id, attempt, started_at, status_code, duration_ms, error, excerpt, headers)
                    WHERE x.delivery_id IN (SELECT {id} FROM updated)
                    RETURNING 1)
                SELECT count(*) FROM updated
                """;

            // The lease owner and the attempt count fence the write: a node whose lease was taken over writes nothing.
            var updateSqlite = $"""
                UPDATE {deliveries} AS d SET {status} = r.status, {count} = r.attempt_count, {next} = r.next_at,
                    {leaseOwner} = NULL, {leaseExpires} = NULL,
                    {completed} = COALESCE(r.completed_at, d.{completed}),
                    {lastError} = CASE WHEN r.set_error THEN r.error ELSE d.{lastError} END
                FROM (SELECT value ->> 'id' AS id, value ->> 'expected' AS expected, value ->> 'status' AS status,
                             value ->> 'count' AS attempt_count, value ->> 'next' AS next_at, value ->> 'completed' AS completed_at,
                             value ->> 'set_error' AS set_error, value ->> 'error' AS error
                      FROM json_each(@results)) AS r
                WHERE d.{id} = r.id AND d.{leaseOwner} = @owner AND d.{count} = r.expected
                RETURNING {id}
                """;
            var insertAttempt = $"""
                INSERT INTO {attempts} ({attemptColumns})
                SELECT value ->> 'delivery', value ->> 'attempt', value ->> 'started', value ->> 'status', value ->> 'duration',
                       value ->> 'error', value ->> 'excerpt', value ->> 'headers'
                FROM json_each(@attempts)
                WHERE value ->> 'delivery' IN (SELECT value FROM json_each(@updated))
                """;
            return new DeliverySql(postgres, postgres ? claimPostgres : claimSqlite, discover, payloads, writePostgres, updateSqlite, insertAttempt);
        }
    }
}

/// <summary>This process's identity as a lease owner.</summary>
public sealed class DeliveryNode(string id)
{
    public string Id { get; } = id;
}
