using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Postgres;

/// <summary>
/// The dispatcher's SQL on PostgreSQL, where many nodes share the database: a claim is one statement (a LATERAL per
/// endpoint, <c>FOR UPDATE SKIP LOCKED</c>, payloads in the same round trip) and a batch of results is one statement
/// (the fenced UPDATE and the INSERT of its attempts). Both are prepared: Npgsql keeps them per physical connection.
/// </summary>
internal sealed class PostgresDeliveryStore<TContext>(IDbContextFactory<TContext> factory, DeliveryNode node) : DeliveryStoreBase<TContext>(factory, node)
    where TContext : DbContext
{
    private (string Claim, string Write, string Window)? _sql;
    private readonly PostgresHealthWriter _health = new();

    protected override string NotExcluded => "NOT (e.id = ANY(@excluded))";

    protected override object Excluded(IReadOnlyCollection<long> excluded) => excluded.ToArray();

    protected override Task<IDbContextTransaction?> BeginWriteAsync(TContext db, CancellationToken cancellationToken) => Task.FromResult<IDbContextTransaction?>(null);

    public override async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        if (endpoints.Count == 0) return [];
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var claims = new List<ClaimedDelivery>(endpoints.Sum(e => e.Limit));
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql.Claim;
        Add(command, "owner", Owner);
        Add(command, "until", leaseUntil);
        Add(command, "now", now);
        Add(command, "endpoints", endpoints.Select(e => e.EndpointId).ToArray());
        Add(command, "limits", endpoints.Select(e => e.Limit).ToArray());
        await command.PrepareAsync(cancellationToken);
        await ReadClaimsAsync(command, claims, leaseUntil, withPayload: true, cancellationToken);
        return claims;
    }

    public override async Task<WindowClaims> ClaimWindowAsync(ClaimWindow window, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql.Window;
        AddWindowParameters(command, window, now, leaseUntil);
        await command.PrepareAsync(cancellationToken);
        var claims = new List<ClaimedDelivery>(window.Limit);
        long scanned = -1;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(ReadClaim(reader, leaseUntil, withPayload: true));
            scanned = reader.GetInt64(9);
        }

        return new WindowClaims(claims, scanned >= 0 && scanned < window.Scan && claims.Count < window.Limit);
    }

    public override async Task<WriteOutcome> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return new WriteOutcome(0, []);
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        var attempts = results.Where(r => r.Attempt is not null).Select(r => r.Attempt!).ToList();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        // The results and the endpoints' health they change commit together.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql.Write;
        Add(command, "owner", Owner);
        Add(command, "ids", results.Select(r => r.Claim.Id).ToArray());
        Add(command, "expected", results.Select(r => r.Claim.AttemptCount).ToArray());
        Add(command, "statuses", results.Select(r => (int)r.Status).ToArray());
        Add(command, "counts", results.Select(r => r.AttemptCount).ToArray());
        Add(command, "nexts", results.Select(r => r.NextAttemptAt).ToArray());
        Add(command, "completed", results.Select(r => r.CompletedAt).ToArray());
        Add(command, "set_errors", results.Select(r => r.WritesError).ToArray());
        Add(command, "errors", results.Select(r => r.LastError).ToArray());
        Add(command, "attempted", results.Select(r => r.Attempt is not null).ToArray());
        Add(command, "status_codes", results.Select(r => r.Attempt?.StatusCode).ToArray());
        Add(command, "a_delivery", attempts.Select(a => a.DeliveryId).ToArray());
        Add(command, "a_attempt", attempts.Select(a => a.Attempt).ToArray());
        Add(command, "a_started", attempts.Select(a => a.StartedAt).ToArray());
        Add(command, "a_status", attempts.Select(a => a.StatusCode).ToArray());
        Add(command, "a_duration", attempts.Select(a => a.DurationMs).ToArray());
        Add(command, "a_error", attempts.Select(a => a.Error).ToArray());
        Add(command, "a_excerpt", attempts.Select(a => a.ResponseExcerpt).ToArray());
        Add(command, "a_headers", attempts.Select(a => a.RequestHeaders).ToArray());
        Add(command, "a_answer_headers", attempts.Select(a => a.ResponseHeaders).ToArray());
        await command.PrepareAsync(cancellationToken);
        var updated = new List<long>(results.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) updated.Add(reader.GetInt64(0));
        }

        var health = updated.Count == 0 ? [] : await _health.WriteAsync(db, connection, transaction, results, updated, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriteOutcome(results.Count - updated.Count, health);
    }

    private (string Claim, string Write, string Window) Sql(DbContext db)
    {
        if (_sql is { } sql) return sql;
        var t = Tables(db);
        // Many nodes: rows locked by another node's claim are skipped, not waited for.
        var claim = $"""
            WITH picked AS (
                SELECT p.{t.Id} FROM unnest(@endpoints::bigint[], @limits::int[]) AS w(endpoint_id, n)
                CROSS JOIN LATERAL (
                    SELECT {t.Id} FROM {t.Deliveries}
                    WHERE {t.Endpoint} = w.endpoint_id AND {t.IsPending} AND {t.Next} <= @now
                      AND ({t.LeaseExpires} IS NULL OR {t.LeaseExpires} < @now)
                    ORDER BY {t.Next}
                    LIMIT w.n
                    FOR UPDATE SKIP LOCKED) p),
            claimed AS (
                UPDATE {t.Deliveries} SET {t.LeaseOwner} = @owner, {t.LeaseExpires} = @until
                WHERE {t.Id} IN (SELECT {t.Id} FROM picked)
                RETURNING {t.Returning})
            SELECT c.*, msg.{t.Payload}, msg.{t.TraceParent}
            FROM claimed c JOIN {t.Messages} msg ON msg.{t.EventKey} = c.{t.EventId}
            ORDER BY c.{t.Next}
            """;

        // The lease owner and the attempt count fence the write: a node whose lease was taken over writes nothing.
        var write = $"""
            WITH r AS (
                SELECT * FROM unnest(@ids::bigint[], @expected::int[], @statuses::int[], @counts::int[], @nexts::timestamptz[],
                                     @completed::timestamptz[], @set_errors::boolean[], @errors::text[], @attempted::boolean[], @status_codes::int[])
                    AS r(id, expected, status, attempt_count, next_at, completed_at, set_error, error, attempted, status_code)),
            updated AS (
                UPDATE {t.Deliveries} d SET {t.Status} = r.status, {t.Count} = r.attempt_count, {t.Next} = r.next_at,
                    {t.LeaseOwner} = NULL, {t.LeaseExpires} = NULL,
                    {t.Completed} = COALESCE(r.completed_at, d.{t.Completed}),
                    {t.LastError} = CASE WHEN r.set_error THEN r.error ELSE d.{t.LastError} END,
                    {t.LastStatusCode} = CASE WHEN r.attempted THEN r.status_code ELSE d.{t.LastStatusCode} END
                FROM r
                WHERE d.{t.Id} = r.id AND d.{t.LeaseOwner} = @owner AND d.{t.Count} = r.expected
                RETURNING d.{t.Id}),
            inserted AS (
                INSERT INTO {t.Attempts} ({t.AttemptColumns})
                SELECT x.* FROM unnest(@a_delivery::bigint[], @a_attempt::int[], @a_started::timestamptz[], @a_status::int[],
                                       @a_duration::int[], @a_error::text[], @a_excerpt::text[], @a_headers::text[],
                                       @a_answer_headers::text[])
                    AS x(delivery_id, attempt, started_at, status_code, duration_ms, error, excerpt, headers, answer_headers)
                WHERE x.delivery_id IN (SELECT {t.Id} FROM updated)
                RETURNING 1)
            SELECT {t.Id} FROM updated
            """;
        // Breadth: the oldest due rows of any endpoints, read through the (status, due) index and bounded by @scan
        // (excluded endpoints' rows count toward it, so a deep held backlog cannot make it walk further); only the rows
        // picked are locked, skipping those another node's claim holds, and each is checked again once locked.
        var window = $"""
            WITH scan AS (
                SELECT {t.Id}, {t.Endpoint}, {t.Next} FROM {t.Deliveries}
                WHERE {t.IsPending} AND {t.Next} <= @now AND ({t.LeaseExpires} IS NULL OR {t.LeaseExpires} < @now)
                ORDER BY {t.Next}
                LIMIT @scan),
            ranked AS (
                SELECT s.{t.Id}, s.{t.Next}, row_number() OVER (PARTITION BY s.{t.Endpoint} ORDER BY s.{t.Next}, s.{t.Id}) AS rn
                FROM scan s WHERE NOT (s.{t.Endpoint} = ANY(@excluded))),
            picked AS (
                SELECT d.{t.Id} FROM {t.Deliveries} d
                WHERE d.{t.Id} IN (SELECT r.{t.Id} FROM ranked r WHERE r.rn <= @per_endpoint ORDER BY r.{t.Next}, r.{t.Id} LIMIT @limit)
                  AND d.{t.IsPending} AND (d.{t.LeaseExpires} IS NULL OR d.{t.LeaseExpires} < @now)
                FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE {t.Deliveries} SET {t.LeaseOwner} = @owner, {t.LeaseExpires} = @until
                WHERE {t.Id} IN (SELECT {t.Id} FROM picked)
                RETURNING {t.Returning})
            SELECT c.*, msg.{t.Payload}, msg.{t.TraceParent}, (SELECT count(*) FROM scan) AS scanned
            FROM claimed c JOIN {t.Messages} msg ON msg.{t.EventKey} = c.{t.EventId}
            ORDER BY c.{t.Next}
            """;
        _sql = (claim, write, window);
        return _sql.Value;
    }
}
