using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Providers.Sqlite;

/// <summary>
/// The dispatcher's SQL on SQLite (in process, one writer at a time, so the UPDATE itself is the lock): every write is
/// an EF transaction so the host's write queue (if any) orders it like the others; rows travel as JSON parameters read
/// with <c>json_each</c>, so a claim or a batch of results is a few statements, not a few per row.
/// </summary>
internal sealed class SqliteDeliveryStore<TContext>(IDbContextFactory<TContext> factory, DeliveryNode node) : DeliveryStoreBase<TContext>(factory, node)
    where TContext : DbContext
{
    private (string Claim, string Payloads, string Update, string InsertAttempts, string Window, string Remaining)? _sql;
    private readonly SqliteHealthWriter _health = new();

    protected override string NotExcluded => "e.id NOT IN (SELECT value FROM json_each(@excluded))";

    protected override object Excluded(IReadOnlyCollection<long> excluded) => JsonSerializer.Serialize(excluded);

    protected override async Task<IDbContextTransaction?> BeginWriteAsync(TContext db, CancellationToken cancellationToken) =>
        await db.Database.BeginTransactionAsync(cancellationToken);

    public override async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        if (endpoints.Count == 0) return [];
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        var connection = db.Database.GetDbConnection();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claims = new List<ClaimedDelivery>(endpoints.Sum(e => e.Limit));
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction.GetDbTransaction();
            command.CommandText = sql.Claim;
            Add(command, "owner", Owner);
            Add(command, "until", leaseUntil);
            Add(command, "now", now);
            // One execution per distinct limit (SQLite's LIMIT cannot name the outer row), each endpoint still read
            // through its own index range.
            var endpointIds = Add(command, "endpoints", "[]");
            var limit = Add(command, "limit", 0);
            foreach (var group in endpoints.GroupBy(e => e.Limit))
            {
                endpointIds.Value = JsonSerializer.Serialize(group.Select(e => e.EndpointId));
                limit.Value = group.Key;
                await ReadClaimsAsync(command, claims, leaseUntil, withPayload: false, cancellationToken);
            }
        }

        if (claims.Count > 0) await ReadPayloadsAsync(connection, transaction.GetDbTransaction(), sql.Payloads, claims, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claims;
    }

    /// <summary>
    /// Fills in the claims' payloads and traceparents (RETURNING cannot name a joined table: read on the same
    /// connection, in process) and puts them in due order (UPDATE ... RETURNING does not keep the subquery's).
    /// </summary>
    private static async Task ReadPayloadsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string sql, List<ClaimedDelivery> claims, CancellationToken cancellationToken)
    {
        var payloads = new Dictionary<long, (string Payload, string? TraceParent)>(claims.Count);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "ids", JsonSerializer.Serialize(claims.Select(c => c.EventId).Distinct()));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                payloads[reader.GetInt64(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }

        foreach (var claim in claims)
        {
            if (payloads.TryGetValue(claim.EventId, out var message)) (claim.Payload, claim.TraceParent) = message;
        }

        claims.Sort((a, b) => a.NextAttemptAt.CompareTo(b.NextAttemptAt));
    }

    public override async Task<WindowClaims> ClaimWindowAsync(ClaimWindow window, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        var connection = db.Database.GetDbConnection();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dbTransaction = transaction.GetDbTransaction();
        // The UPDATE comes first, so the transaction takes the write lock at once (a read first could not upgrade if
        // another connection wrote meanwhile).
        var claims = new List<ClaimedDelivery>(window.Limit);
        await using (var lease = connection.CreateCommand())
        {
            lease.Transaction = dbTransaction;
            lease.CommandText = sql.Window;
            AddWindowParameters(lease, window, now, leaseUntil);
            await ReadClaimsAsync(lease, claims, leaseUntil, withPayload: false, cancellationToken);
        }

        var exhausted = false;
        if (claims.Count > 0)
        {
            await ReadPayloadsAsync(connection, dbTransaction, sql.Payloads, claims, cancellationToken);
            // Whether the scan saw every due row: fewer are left (unleased) than the rest of its bound.
            await using var rest = connection.CreateCommand();
            rest.Transaction = dbTransaction;
            rest.CommandText = sql.Remaining;
            Add(rest, "now", now);
            Add(rest, "rest", window.Scan - claims.Count);
            exhausted = Convert.ToInt64(await rest.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) < window.Scan - claims.Count;
        }

        await transaction.CommitAsync(cancellationToken);
        return new WindowClaims(claims, exhausted && claims.Count < window.Limit);
    }

    public override async Task<WriteOutcome> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return new WriteOutcome(0, []);
        await using var db = await Factory.CreateDbContextAsync(cancellationToken);
        var sql = Sql(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        // Two statements for the whole batch: the fenced UPDATE answers the rows it wrote, and only their attempts are inserted.
        var updated = new List<long>(results.Count);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = dbTransaction;
            update.CommandText = sql.Update;
            Add(update, "owner", Owner);
            Add(update, "results", SqliteJson.Results(results));
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) updated.Add(reader.GetInt64(0));
        }

        var attempts = results.Where(r => r.Attempt is not null).Select(r => r.Attempt!).ToList();
        if (attempts.Count > 0 && updated.Count > 0)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = dbTransaction;
            insert.CommandText = sql.InsertAttempts;
            Add(insert, "attempts", SqliteJson.Attempts(attempts));
            Add(insert, "updated", JsonSerializer.Serialize(updated));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var health = updated.Count == 0 ? [] : await _health.WriteAsync(db, connection, dbTransaction, results, updated, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriteOutcome(results.Count - updated.Count, health);
    }

    private (string Claim, string Payloads, string Update, string InsertAttempts, string Window, string Remaining) Sql(DbContext db)
    {
        if (_sql is { } sql) return sql;
        var t = Tables(db);
        var claim = $"""
            UPDATE {t.Deliveries} SET {t.LeaseOwner} = @owner, {t.LeaseExpires} = @until
            WHERE {t.Id} IN (
                SELECT x.{t.Id} FROM json_each(@endpoints) AS w
                JOIN {t.Deliveries} AS x ON x.{t.Id} IN (
                    SELECT y.{t.Id} FROM {t.Deliveries} AS y
                    WHERE y.{t.Endpoint} = w.value AND y.{t.IsPending} AND y.{t.Next} <= @now
                      AND (y.{t.LeaseExpires} IS NULL OR y.{t.LeaseExpires} < @now)
                    ORDER BY y.{t.Next}
                    LIMIT @limit))
            RETURNING {t.Returning}
            """;
        var payloads = $"SELECT {t.EventKey}, {t.Payload}, {t.TraceParent} FROM {t.Messages} WHERE {t.EventKey} IN (SELECT value FROM json_each(@ids))";

        // The lease owner and the attempt count fence the write: a node whose lease was taken over writes nothing.
        var update = $"""
            UPDATE {t.Deliveries} AS d SET {t.Status} = r.status, {t.Count} = r.attempt_count, {t.Next} = r.next_at,
                {t.LeaseOwner} = NULL, {t.LeaseExpires} = NULL,
                {t.Completed} = COALESCE(r.completed_at, d.{t.Completed}),
                {t.LastError} = CASE WHEN r.set_error THEN r.error ELSE d.{t.LastError} END,
                {t.LastStatusCode} = CASE WHEN r.attempted THEN r.status_code ELSE d.{t.LastStatusCode} END
            FROM (SELECT value ->> 'id' AS id, value ->> 'expected' AS expected, value ->> 'status' AS status,
                         value ->> 'count' AS attempt_count, value ->> 'next' AS next_at, value ->> 'completed' AS completed_at,
                         value ->> 'set_error' AS set_error, value ->> 'error' AS error,
                         value ->> 'attempted' AS attempted, value ->> 'status_code' AS status_code
                  FROM json_each(@results)) AS r
            WHERE d.{t.Id} = r.id AND d.{t.LeaseOwner} = @owner AND d.{t.Count} = r.expected
            RETURNING {t.Id}
            """;
        var insertAttempts = $"""
            INSERT INTO {t.Attempts} ({t.AttemptColumns})
            SELECT value ->> 'delivery', value ->> 'attempt', value ->> 'started', value ->> 'status', value ->> 'duration',
                   value ->> 'error', value ->> 'excerpt', value ->> 'headers', value ->> 'answer_headers'
            FROM json_each(@attempts)
            WHERE value ->> 'delivery' IN (SELECT value FROM json_each(@updated))
            """;
        // Breadth: the oldest due rows of any endpoints, bounded by @scan (excluded endpoints' rows count toward it, so
        // a deep held backlog cannot make it walk further), at most @per_endpoint each; the count of the rest says whether it saw all.
        var due = $"{t.IsPending} AND {t.Next} <= @now AND ({t.LeaseExpires} IS NULL OR {t.LeaseExpires} < @now)";
        var window = $"""
            UPDATE {t.Deliveries} SET {t.LeaseOwner} = @owner, {t.LeaseExpires} = @until
            WHERE {t.Id} IN (
                SELECT id FROM (
                    SELECT s.{t.Id} AS id, s.{t.Endpoint} AS endpoint, s.{t.Next} AS next,
                           row_number() OVER (PARTITION BY s.{t.Endpoint} ORDER BY s.{t.Next}, s.{t.Id}) AS rn
                    FROM (SELECT {t.Id}, {t.Endpoint}, {t.Next} FROM {t.Deliveries} WHERE {due} ORDER BY {t.Next} LIMIT @scan) AS s)
                WHERE rn <= @per_endpoint AND endpoint NOT IN (SELECT value FROM json_each(@excluded))
                ORDER BY next, id
                LIMIT @limit)
            RETURNING {t.Returning}
            """;
        var rest = $"SELECT count(*) FROM (SELECT 1 FROM {t.Deliveries} WHERE {due} ORDER BY {t.Next} LIMIT @rest)";
        _sql = (claim, payloads, update, insertAttempts, window, rest);
        return _sql.Value;
    }
}
