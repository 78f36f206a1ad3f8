using Microsoft.EntityFrameworkCore;

namespace TechLink.Delivery.Retention;

/// <summary>
/// Makes one node at a time sweep: taken inside each batch's transaction and released with it, so a node that dies
/// mid-sweep holds nothing. On PostgreSQL a transaction-scoped advisory lock; on SQLite (one process) always granted.
/// </summary>
internal interface IRetentionLock
{
    Task<bool> TryTakeAsync(DbContext db, CancellationToken cancellationToken);
}

internal sealed class NoRetentionLock : IRetentionLock
{
    public static readonly NoRetentionLock Instance = new();

    public Task<bool> TryTakeAsync(DbContext db, CancellationToken cancellationToken) => Task.FromResult(true);
}

internal sealed class PostgresRetentionLock : IRetentionLock
{
    /// <summary>The advisory lock's key: "TLRETAIN" in ASCII, unlikely to meet anyone else's.</summary>
    public const long Key = 0x544C_5245_5441_494E;

    public async Task<bool> TryTakeAsync(DbContext db, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({Key}) AS \"Value\"").SingleAsync(cancellationToken);
}
