using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TechLink.Data.Sqlite;

/// <summary>
/// One SQLite writer at a time, queued fairly inside the process. SQLite allows a single writer; without this, writers
/// that find the database locked poll through the busy handler with growing sleeps (up to 100 ms each), so under load
/// an unlucky commit waits for hundreds of milliseconds while others get through: the benchmark's SQLite p99. Every EF
/// transaction (SaveChanges' own, the API's explicit ones, the dispatcher's result writes) takes this gate before its
/// <c>BEGIN IMMEDIATE</c> and gives it back at commit, rollback, failure or when its connection closes.
/// </summary>
/// <remarks>
/// The gate is per database file and process. Other processes (the CLI's sandbox refresh) still meet the busy handler.
/// A writer that cannot get the gate within <see cref="MaxWait"/> goes on without it (SQLite still serialises it), so a
/// gate never blocks the database for good even if one were not given back.
/// </remarks>
internal sealed class SqliteWriteGate : IDbTransactionInterceptor, IDbConnectionInterceptor
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _gate;
    private readonly ConcurrentDictionary<Guid, bool> _holders = new();

    public SqliteWriteGate(string databaseFile) => _gate = Gates.GetOrAdd(Path.GetFullPath(databaseFile), _ => new SemaphoreSlim(1, 1));

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (_gate.Wait(MaxWait)) _holders[eventData.ConnectionId] = true;
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (await _gate.WaitAsync(MaxWait, cancellationToken)) _holders[eventData.ConnectionId] = true;
        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Release(eventData.ConnectionId);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    // A transaction disposed without commit or rollback (an exception on the way) ends with its connection at the latest.
    public InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Release(eventData.ConnectionId);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Release(eventData.ConnectionId);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult ConnectionDisposing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Release(eventData.ConnectionId);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionDisposingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Release(eventData.ConnectionId);
        return ValueTask.FromResult(result);
    }

    private void Release(Guid connectionId)
    {
        if (_holders.TryRemove(connectionId, out _)) _gate.Release();
    }
}
