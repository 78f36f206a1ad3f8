using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Add to the host's DbContext (<c>options.AddInterceptors(sp.GetRequiredService&lt;DeliveryWakeInterceptor&gt;())</c>).
/// When a SaveChanges adds deliveries, the local dispatcher is woken once the data is committed, and on PostgreSQL
/// a <c>NOTIFY techlink_deliveries</c> is sent inside the committing transaction, so PostgreSQL delivers it to the
/// other nodes exactly when the rows become visible. Without a transaction (a single-statement save) the
/// notification follows the save. Transactions committed outside EF Core are only seen by the idle poll.
/// </summary>
public sealed class DeliveryWakeInterceptor(DeliverySignal signal) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public const string Channel = "techlink_deliveries";
    private const string NotifySql = "NOTIFY techlink_deliveries";
    internal const string NpgsqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    private sealed class Pending
    {
        public bool Notified;
    }

    private readonly ConditionalWeakTable<DbContext, Pending> _pending = [];

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Remember(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Remember(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null && _pending.TryGetValue(context, out var pending))
        {
            _pending.Remove(context);
            if (!pending.Notified && IsPostgres(context)) context.Database.ExecuteSqlRaw(NotifySql);
            signal.Notify();
        }

        return result;
    }

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null && _pending.TryGetValue(context, out var pending))
        {
            _pending.Remove(context);
            if (!pending.Notified && IsPostgres(context)) await context.Database.ExecuteSqlRawAsync(NotifySql, cancellationToken);
            signal.Notify();
        }

        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null) _pending.Remove(context);
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is { } context && _pending.TryGetValue(context, out var pending) && !pending.Notified && IsPostgres(context))
        {
            using var command = CreateNotify(transaction);
            command.ExecuteNonQuery();
            pending.Notified = true;
        }

        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && _pending.TryGetValue(context, out var pending) && !pending.Notified && IsPostgres(context))
        {
            await using var command = CreateNotify(transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
            pending.Notified = true;
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && _pending.TryGetValue(context, out _))
        {
            _pending.Remove(context);
            signal.Notify();
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context) _pending.Remove(context);
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    private void Remember(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries<DeliveryRecord>())
        {
            if (entry.State == EntityState.Added)
            {
                _pending.AddOrUpdate(context, _pending.TryGetValue(context, out var existing) ? existing : new Pending());
                return;
            }
        }
    }

    private static DbCommand CreateNotify(DbTransaction transaction)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = NotifySql;
        return command;
    }

    internal static bool IsPostgres(DbContext context) => context.Database.ProviderName == NpgsqlProvider;
}
