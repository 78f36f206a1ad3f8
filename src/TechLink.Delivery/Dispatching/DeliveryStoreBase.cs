using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Delivery.Model;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// What the providers' stores share: the table names, the discovery, postponing and the backlog gauge (EF queries).
/// The claim and the result write, which run for every delivery, are each provider's own SQL.
/// </summary>
internal abstract class DeliveryStoreBase<TContext>(IDbContextFactory<TContext> factory, DeliveryNode node) : IDeliveryStore
    where TContext : DbContext
{
    private DeliveryTables? _tables;
    private string? _discover;

    protected IDbContextFactory<TContext> Factory => factory;

    /// <summary>The lease owner this node writes.</summary>
    protected string Owner => node.Id;

    protected DeliveryTables Tables(DbContext db) => _tables ??= DeliveryTables.Of(db);

    public abstract Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    public abstract Task<WindowClaims> ClaimWindowAsync(ClaimWindow window, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    public abstract Task<WriteOutcome> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken);

    /// <summary>The provider's SQL test that <c>e.id</c> is not among <c>@excluded</c>.</summary>
    protected abstract string NotExcluded { get; }

    /// <summary>The <c>@excluded</c> parameter's value in the provider's form.</summary>
    protected abstract object Excluded(IReadOnlyCollection<long> excluded);

    /// <summary>The transaction a small write runs in: SQLite's go through EF so the host's write queue orders them; null where one statement is enough.</summary>
    protected abstract Task<IDbContextTransaction?> BeginWriteAsync(TContext db, CancellationToken cancellationToken);

    public async Task<IReadOnlyList<long>> DiscoverAsync(IReadOnlyCollection<long> excluded, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sql = _discover ??= Tables(db).Discover(NotExcluded);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        Add(command, "now", now);
        Add(command, "excluded", Excluded(excluded));
        var found = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetInt64(0));
        return found;
    }

    public async Task<int> PostponeAsync(IReadOnlyCollection<long> endpoints, DateTime until, DateTime now, CancellationToken cancellationToken)
    {
        var ids = endpoints.ToList();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(db, cancellationToken);
        var moved = await db.Set<DeliveryRecord>()
            .Where(d => ids.Contains(d.EndpointId) && d.Status == DeliveryStatus.Pending && d.NextAttemptAt < until && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, until), cancellationToken);
        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        return moved;
    }

    public async Task<int> UnparkAsync(IReadOnlyCollection<long> endpoints, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(db, cancellationToken);
        var moved = await Parking.UnparkAsync(db, endpoints, cancellationToken);
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

    /// <summary>The parameters of the window claim (the provider's <c>Window</c> statement), the same on every provider.</summary>
    protected void AddWindowParameters(DbCommand command, ClaimWindow window, DateTime now, DateTime leaseUntil)
    {
        Add(command, "owner", Owner);
        Add(command, "until", leaseUntil);
        Add(command, "now", now);
        Add(command, "scan", window.Scan);
        Add(command, "limit", window.Limit);
        Add(command, "per_endpoint", window.PerEndpoint);
        Add(command, "excluded", Excluded(window.Excluded));
    }

    /// <summary>Reads claimed rows (<see cref="DeliveryTables.Returning"/>, then the payload and traceparent when <paramref name="withPayload"/>).</summary>
    protected static async Task ReadClaimsAsync(DbCommand command, List<ClaimedDelivery> claims, DateTime leaseUntil, bool withPayload, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) claims.Add(ReadClaim(reader, leaseUntil, withPayload));
    }

    /// <summary>One claimed row at the reader's position (<see cref="ReadClaimsAsync"/>'s columns).</summary>
    protected static ClaimedDelivery ReadClaim(DbDataReader reader, DateTime leaseUntil, bool withPayload) =>
        new(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            reader.GetString(3),
            reader.GetInt32(4),
            DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc),
            leaseUntil)
        {
            Sequence = reader.IsDBNull(6) ? null : reader.GetInt64(6),
            Payload = withPayload ? reader.GetString(7) : "",
            TraceParent = withPayload && !reader.IsDBNull(8) ? reader.GetString(8) : null,
        };
}
