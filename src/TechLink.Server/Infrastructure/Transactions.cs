using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TechLink.Server.Data;

namespace TechLink.Server.Infrastructure;

internal static class Transactions
{
    /// <summary>How often a read-modify-write action runs before a lost race is answered 409.</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// Runs a service's <paramref name="work"/> in one database transaction: it commits when the work succeeded and rolls
    /// back whole when it answered a <see cref="Refusal"/>: the change and the events it writes commit together or not at all.
    /// </summary>
    public static async Task<Outcome<T>> CommitOnSuccessAsync<T>(this TechLinkDbContext db, Func<Task<Outcome<T>>> work, CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var outcome = await work();
            if (!outcome.Succeeded)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return outcome;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return outcome;
        }
        catch
        {
            await RollBackAsync(transaction);
            throw;
        }
    }

    /// <summary>
    /// Runs a read-modify-write action (find the row, check the request against it, change it, write the events that
    /// the change computes from the state it found) in one transaction. When another request changed or deleted the
    /// row between this one's read and its write (the row's <see cref="IVersioned.Version"/> moved on, or the row is
    /// gone: <see cref="DbUpdateConcurrencyException"/>), nothing of this attempt stays and the action runs again on
    /// fresh data; after <see cref="MaxAttempts"/> lost races it answers a 409 refusal. The action must be safe to run again: it
    /// reads everything it decides on inside itself.
    /// </summary>
    public static async Task<Outcome<T>> ReadModifyWriteAsync<T>(this TechLinkDbContext db, Func<Task<Outcome<T>>> action, CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is not null) return await action();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.CommitOnSuccessAsync(action, cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear();
                if (attempt >= MaxAttempts) return LostRaces;
            }
        }
    }

    private static Refusal LostRaces => Refusal.Conflict($"This was changed by {MaxAttempts} other requests while it was being changed; nothing was changed. Read it again and retry.");

    /// <summary>
    /// Rolls back explicitly (not just by disposing), so that the interceptors see it: the outbox drops the events this
    /// attempt queued, the SQLite write gate is given back.
    /// </summary>
    private static async Task RollBackAsync(IDbContextTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The connection broke or the transaction already ended: the database has rolled back itself.
        }
    }
}
