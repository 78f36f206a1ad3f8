using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;

namespace TechLink.Server.Infrastructure;

internal static class Transactions
{
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
}
