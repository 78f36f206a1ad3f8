using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TechLink.Delivery;
using TechLink.Delivery.Outbox;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Makes every change to a registration (URL, token, secret, enabled, paused, deleted), whichever page or endpoint
/// saves it, apply to the next attempt: when the save commits, this node's <see cref="EndpointDirectory"/> forgets the
/// registration, and on PostgreSQL a NOTIFY inside the committing transaction tells the other nodes
/// (<see cref="EndpointChanges"/>). Both happen before the request that made the change is answered.
/// Changes written with ExecuteUpdate/ExecuteDelete bypass it and are seen within the directory's cache time.
/// </summary>
/// <remarks>Takes the service provider: the directory it reaches needs the DbContext factory that this interceptor configures.</remarks>
internal sealed class RegistrationChangeInterceptor(IServiceProvider services) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private EndpointChanges? _changes;

    private EndpointChanges Changes => _changes ??= services.GetRequiredService<EndpointChanges>();

    /// <summary>The registrations the context's unit of work changed, kept in its <see cref="OutboxUnit"/> (a pooled context's next lease starts without them).</summary>
    private sealed class State
    {
        public HashSet<long> Changed { get; } = [];
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        SavedAsync(eventData.Context, async: false, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await SavedAsync(eventData.Context, async: true, cancellationToken);
        return result;
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (Pending(eventData.Context) is { } state && Changes.CreateNotify(eventData.Context!, transaction, state.Changed) is { } command)
        {
            using (command) command.ExecuteNonQuery();
        }

        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (Pending(eventData.Context) is { } state && Changes.CreateNotify(eventData.Context!, transaction, state.Changed) is { } command)
        {
            await using (command) await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (Pending(eventData.Context) is { } state) Forget(state);
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Pending(eventData.Context)?.Changed.Clear();

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    /// <summary>A save without a transaction around it has committed by now: tell the others and forget.</summary>
    private async Task SavedAsync(DbContext? context, bool async, CancellationToken cancellationToken)
    {
        if (Pending(context) is not { } state || context!.Database.CurrentTransaction is not null) return;
        await Changes.NotifyCommittedAsync(context, state.Changed, async, cancellationToken);
        Forget(state);
    }

    private void Forget(State state)
    {
        Changes.Forget([.. state.Changed]);
        state.Changed.Clear();
    }

    private static State? Pending(DbContext? context) =>
        context is not null && OutboxUnit.Of(context).Find<State>() is { Changed.Count: > 0 } state ? state : null;

    /// <summary>The registrations this save changes or deletes, found without a DetectChanges scan of everything tracked.</summary>
    private void Collect(DbContext? context)
    {
        if (context is null) return;
        var detect = context.ChangeTracker.AutoDetectChangesEnabled;
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in context.ChangeTracker.Entries<WebhookRegistration>())
            {
                if (entry.State == EntityState.Unchanged) entry.DetectChanges();
                if (entry.State is EntityState.Modified or EntityState.Deleted) OutboxUnit.Of(context).Item(() => new State()).Changed.Add(entry.Entity.Id);
            }
        }
        finally
        {
            context.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }
}
