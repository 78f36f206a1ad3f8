using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>A delivery this node holds the lease of, with what it needs to send.</summary>
internal sealed record ClaimedDelivery(long Id, long MessageId, long EndpointId, string WebhookId, int AttemptCount, DateTime NextAttemptAt)
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
    public static DeliveryResult Release(ClaimedDelivery claim, DateTime? retryAt = null) =>
        new(claim, DeliveryStatus.Pending, claim.AttemptCount, retryAt ?? claim.NextAttemptAt, null, null, null);
}

/// <summary>The dispatcher's database work; one implementation per host DbContext type.</summary>
internal interface IDeliveryStore
{
    Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int limit, IReadOnlyCollection<long> excludedEndpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    Task ReleaseAsync(IReadOnlyCollection<ClaimedDelivery> claims, CancellationToken cancellationToken);

    Task<DateTime?> NextDueAsync(IReadOnlyCollection<long> excludedEndpoints, DateTime now, CancellationToken cancellationToken);

    /// <summary>Writes the results in one transaction; answers how many were dropped because the lease was no longer ours.</summary>
    Task<int> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken);

    Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken);

    /// <summary>A new, unopened connection for LISTEN on PostgreSQL; null on other providers.</summary>
    Task<NpgsqlConnection?> CreateListenerConnectionAsync(CancellationToken cancellationToken);
}

internal sealed class DeliveryStore<TContext>(IDbContextFactory<TContext> factory, DeliveryNode node) : IDeliveryStore
    where TContext : DbContext
{
    private ClaimSql? _sql;

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int limit, IReadOnlyCollection<long> excludedEndpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _sql ??= ClaimSql.For(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var claims = new List<ClaimedDelivery>(limit);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = sql.Postgres ? sql.ClaimPostgres : sql.ClaimSqlite;
            Add(command, "owner", node.Id);
            Add(command, "until", leaseUntil);
            Add(command, "now", now);
            Add(command, "pending", (int)DeliveryStatus.Pending);
            Add(command, "limit", limit);
            Add(command, "excluded", sql.Postgres ? excludedEndpoints.ToArray() : JsonSerializer.Serialize(excludedEndpoints));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                claims.Add(new ClaimedDelivery(
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    reader.GetInt64(2),
                    reader.GetString(3),
                    reader.GetInt32(4),
                    DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc)));
            }
        }

        if (claims.Count == 0) return claims;
        var messageIds = claims.Select(c => c.MessageId).Distinct().ToList();
        var payloads = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => messageIds.Contains(m.Id))
            .Select(m => new { m.Id, m.Payload })
            .ToDictionaryAsync(m => m.Id, m => m.Payload, cancellationToken);
        foreach (var claim in claims)
        {
            claim.Payload = payloads.GetValueOrDefault(claim.MessageId, "");
        }

        // SQLite's UPDATE ... RETURNING does not keep the subquery's order.
        claims.Sort((a, b) => a.NextAttemptAt.CompareTo(b.NextAttemptAt));
        return claims;
    }

    public async Task ReleaseAsync(IReadOnlyCollection<ClaimedDelivery> claims, CancellationToken cancellationToken)
    {
        if (claims.Count == 0) return;
        var ids = claims.Select(c => c.Id).ToList();
        var owner = node.Id;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Set<DeliveryRecord>()
            .Where(d => ids.Contains(d.Id) && d.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }

    public async Task<DateTime?> NextDueAsync(IReadOnlyCollection<long> excludedEndpoints, DateTime now, CancellationToken cancellationToken)
    {
        var excluded = excludedEndpoints.ToList();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var next = await db.Set<DeliveryRecord>()
            .Where(d => d.Status == DeliveryStatus.Pending && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now) && !excluded.Contains(d.EndpointId))
            .MinAsync(d => (DateTime?)d.NextAttemptAt, cancellationToken);
        return next is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : null;
    }

    public async Task<int> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
    {
        var owner = node.Id;
        var lost = 0;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var result in results)
        {
            var claim = result.Claim;
            // The lease owner and the attempt count fence the write: a node whose lease was taken over writes nothing.
            var updated = await db.Set<DeliveryRecord>()
                .Where(d => d.Id == claim.Id && d.LeaseOwner == owner && d.AttemptCount == claim.AttemptCount)
                .ExecuteUpdateAsync(s =>
                {
                    s.SetProperty(d => d.Status, result.Status)
                        .SetProperty(d => d.AttemptCount, result.AttemptCount)
                        .SetProperty(d => d.NextAttemptAt, result.NextAttemptAt)
                        .SetProperty(d => d.LeaseOwner, (string?)null)
                        .SetProperty(d => d.LeaseExpiresAt, (DateTime?)null);
                    if (result.CompletedAt is not null) s.SetProperty(d => d.CompletedAt, result.CompletedAt);
                    if (result.Attempt is not null || result.Status != DeliveryStatus.Pending) s.SetProperty(d => d.LastError, result.LastError);
                }, cancellationToken);
            if (updated == 0)
            {
                lost++;
            }
            else if (result.Attempt is not null)
            {
                db.Add(result.Attempt);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return lost;
    }

    public async Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pending = db.Set<DeliveryRecord>().Where(d => d.Status == DeliveryStatus.Pending);
        var count = await pending.LongCountAsync(cancellationToken);
        var oldest = count == 0 ? null : await pending.MinAsync(d => (DateTime?)d.CreatedAt, cancellationToken);
        return (count, oldest is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : null);
    }

    public async Task<NpgsqlConnection?> CreateListenerConnectionAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Cloning keeps the host's data source settings (password provider, TLS) without opening the context's connection.
        return db.Database.GetDbConnection() is ICloneable cloneable and NpgsqlConnection ? cloneable.Clone() as NpgsqlConnection : null;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>The claim statements, with table and column names read from the host's model (snake_case or not).</summary>
    private sealed record ClaimSql(bool Postgres, string ClaimPostgres, string ClaimSqlite)
    {
        public static ClaimSql For(DbContext db)
        {
            var entity = db.Model.FindEntityType(typeof(DeliveryRecord)) ?? throw new InvalidOperationException("DeliveryModel.Apply was not called on this DbContext.");
            var tableName = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
            string Column(string property) => Quote(entity.FindProperty(property)!.GetColumnName(store)!);
            var table = entity.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(tableName)}" : Quote(tableName);
            var id = Column(nameof(DeliveryRecord.Id));
            var status = Column(nameof(DeliveryRecord.Status));
            var next = Column(nameof(DeliveryRecord.NextAttemptAt));
            var leaseOwner = Column(nameof(DeliveryRecord.LeaseOwner));
            var leaseExpires = Column(nameof(DeliveryRecord.LeaseExpiresAt));
            var endpoint = Column(nameof(DeliveryRecord.EndpointId));
            var returning = $"{id}, {Column(nameof(DeliveryRecord.MessageId))}, {endpoint}, {Column(nameof(DeliveryRecord.WebhookId))}, {Column(nameof(DeliveryRecord.AttemptCount))}, {next}";

            // Many nodes: rows locked by another node's claim are skipped, not waited for.
            var postgres = $"""
                UPDATE {table} SET {leaseOwner} = @owner, {leaseExpires} = @until
                WHERE {id} IN (
                    SELECT {id} FROM {table}
                    WHERE {status} = @pending AND {next} <= @now
                      AND ({leaseExpires} IS NULL OR {leaseExpires} < @now)
                      AND NOT ({endpoint} = ANY(@excluded))
                    ORDER BY {next}
                    LIMIT @limit
                    FOR UPDATE SKIP LOCKED)
                RETURNING {returning}
                """;

            // SQLite has one writer at a time, so the UPDATE itself is the lock.
            var sqlite = $"""
                UPDATE {table} SET {leaseOwner} = @owner, {leaseExpires} = @until
                WHERE {id} IN (
                    SELECT {id} FROM {table}
                    WHERE {status} = @pending AND {next} <= @now
                      AND ({leaseExpires} IS NULL OR {leaseExpires} < @now)
                      AND {endpoint} NOT IN (SELECT value FROM json_each(@excluded))
                    ORDER BY {next}
                    LIMIT @limit)
                RETURNING {returning}
                """;
            return new ClaimSql(DeliveryWakeInterceptor.IsPostgres(db), postgres, sqlite);
        }

        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
    }
}

/// <summary>This process's identity as a lease owner.</summary>
public sealed class DeliveryNode(string id)
{
    public string Id { get; } = id;
}
