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
    /// Runs <paramref name="work"/> in one database transaction: the change and the events it writes commit
    /// together or not at all. The work may call SaveChanges several times (to learn new ids for the payloads).
    /// An error result (4xx) rolls everything back.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this TechLinkDbContext db, Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var result = await work();
            if (result is Microsoft.AspNetCore.Http.IStatusCodeHttpResult { StatusCode: >= 400 })
            {
                // The work refused (validation, conflict): nothing of it may stay.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return result;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            await RollBackAsync(transaction);
            throw;
        }
    }

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

    /// <summary>The <see cref="Outcome{T}"/> form of <see cref="ReadModifyWriteAsync(TechLinkDbContext, Func{Task{IResult}}, CancellationToken)"/>.</summary>
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
    /// Runs a read-modify-write action (find the row, check the request against it, change it, write the events that
    /// the change computes from the state it found) in one transaction. When another request changed or deleted the
    /// row between this one's read and its write (the row's <see cref="IVersioned.Version"/> moved on, or the row is
    /// gone: <see cref="DbUpdateConcurrencyException"/>), nothing of this attempt stays and the action runs again on
    /// fresh data; after <see cref="MaxAttempts"/> lost races it answers 409. The action must be safe to run again: it
    /// reads everything it decides on inside itself.
    /// </summary>
    public static async Task<IResult> ReadModifyWriteAsync(this TechLinkDbContext db, Func<Task<IResult>> action, CancellationToken cancellationToken = default)
    {
        // Inside a caller's transaction a retry would repeat only part of its work: the caller decides.
        if (db.Database.CurrentTransaction is not null) return await action();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.InTransactionAsync(action, cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // What this attempt read is stale: the next one reads afresh.
                db.ChangeTracker.Clear();
                if (attempt >= MaxAttempts)
                {
                    return LostRaces.ToResult();
                }
            }
        }
    }

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
