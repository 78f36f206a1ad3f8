using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Metadata;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Providers;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// Add to the host's DbContext (<c>options.AddInterceptors(sp.GetRequiredService&lt;OutboxInterceptor&gt;())</c>).
/// <list type="bullet">
/// <item>Events queued with <see cref="Enqueue"/> are written by the context's next SaveChanges, after its own
/// changes and in the same transaction (the caller's, or one begun for that save), by the provider's <see cref="IOutboxWriter"/>.</item>
/// <item>When deliveries were written (queued events, or <see cref="DeliveryRecord"/> entities added the EF way), the
/// local dispatcher is woken once the data is committed, and the writer tells other nodes where the provider can (on
/// PostgreSQL a <c>NOTIFY</c> naming the endpoints inside the committing transaction, so it reaches them exactly when the
/// rows become visible). Transactions committed outside EF Core are only seen by the idle poll.</item>
/// </list>
/// A transaction that rolls back takes its written events with it and drops the ones still queued.
/// </summary>
/// <remarks>With a <see cref="LocalHandoff"/> (a node that runs the dispatcher), the deliveries its dispatcher has room
/// for are inserted leased to this node and handed to it in memory after the commit; the commit's wake-up and NOTIFY
/// name only the endpoints of the rest.</remarks>
public sealed class OutboxInterceptor(DeliverySignal signal, LocalHandoff? handoff = null) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private sealed class State
    {
        public List<PendingEvent> Queued { get; } = [];

        /// <summary>The endpoints of the deliveries written in the current transaction (or save): wake dispatchers for them when it commits.</summary>
        public HashSet<long> Endpoints { get; } = [];

        public bool Notified { get; set; }

        /// <summary>Deliveries written leased to this node in the current transaction: handed to its dispatcher when it commits.</summary>
        public List<ClaimedDelivery> Handed { get; } = [];

        /// <summary>The transaction this interceptor began for a save that had none.</summary>
        public IDbContextTransaction? Own { get; set; }
    }

    private readonly ConditionalWeakTable<DbContext, State> _states = [];

    /// <summary>The writer for each model (one per provider and host DbContext type), made on first use.</summary>
    private readonly ConditionalWeakTable<IModel, IOutboxWriter> _writers = [];

    /// <summary>
    /// Queues an event (with its deliveries) for <paramref name="context"/>'s next SaveChanges, with the trace context
    /// of the current activity (the API request's span) unless it carries one.
    /// </summary>
    public void Enqueue(DbContext context, PendingEvent pendingEvent)
    {
        ArgumentNullException.ThrowIfNull(pendingEvent);
        if (pendingEvent.TraceParent is null && DeliveryTracing.CurrentTraceParent() is { } traceParent)
        {
            pendingEvent = pendingEvent with { TraceParent = traceParent };
        }

        _states.GetOrCreateValue(context).Queued.Add(pendingEvent);
    }

    /// <summary>How many events <paramref name="context"/> has queued and not yet written.</summary>
    public int QueuedCount(DbContext context) => _states.TryGetValue(context, out var state) ? state.Queued.Count : 0;

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Saving(eventData.Context) is { } context) _states.GetOrCreateValue(context).Own = context.Database.BeginTransaction();
        return result;
    }

    public async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Saving(eventData.Context) is { } context) _states.GetOrCreateValue(context).Own = await context.Database.BeginTransactionAsync(cancellationToken);
        return result;
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

    public void SaveChangesFailed(DbContextErrorEventData eventData) =>
        FailedAsync(eventData.Context, async: false).GetAwaiter().GetResult();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) =>
        FailedAsync(eventData.Context, async: true);

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (NeedsNotify(eventData.Context) is { } state && Writer(eventData.Context!).CreateNotify(transaction, state.Endpoints) is { } command)
        {
            using (command) command.ExecuteNonQuery();
            state.Notified = true;
        }

        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (NeedsNotify(eventData.Context) is { } state && Writer(eventData.Context!).CreateNotify(transaction, state.Endpoints) is { } command)
        {
            await using (command) await command.ExecuteNonQueryAsync(cancellationToken);
            state.Notified = true;
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && _states.TryGetValue(context, out var handing) && handing.Handed.Count > 0)
        {
            List<ClaimedDelivery> handed = [.. handing.Handed];
            handing.Handed.Clear();
            handoff?.Accept(handed);
        }

        if (eventData.Context is { } committed && _states.TryGetValue(committed, out var state) && state.Endpoints.Count > 0)
        {
            signal.Notify([.. state.Endpoints]);
            state.Endpoints.Clear();
            state.Notified = false;
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && _states.TryGetValue(context, out var state))
        {
            state.Queued.Clear();
            state.Endpoints.Clear();
            state.Handed.Clear();
            state.Notified = false;
        }
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Before a save: remembers deliveries added the EF way; answers the context when queued events need a
    /// transaction begun for this save.
    /// </summary>
    private DbContext? Saving(DbContext? context)
    {
        if (context is null) return null;
        var state = _states.TryGetValue(context, out var known) ? known : null;
        foreach (var endpoint in AddedDeliveryEndpoints(context)) (state ??= _states.GetOrCreateValue(context)).Endpoints.Add(endpoint);
        return state is { Queued.Count: > 0 } && context.Database.CurrentTransaction is null ? context : null;
    }

    /// <summary>After the save's own changes: writes the queued events, then commits the transaction begun for them.</summary>
    private async Task SavedAsync(DbContext? context, bool async, CancellationToken cancellationToken)
    {
        if (context is null || !_states.TryGetValue(context, out var state)) return;
        try
        {
            if (state.Queued.Count > 0)
            {
                var transaction = context.Database.CurrentTransaction?.GetDbTransaction()
                    ?? throw new InvalidOperationException("Outbox events are written inside the unit of work's transaction.");
                var lease = handoff?.Offer(state.Queued);
                state.Handed.AddRange(await Writer(context).WriteAsync(transaction, state.Queued, lease, async, cancellationToken));
                var index = 0;
                foreach (var queued in state.Queued)
                {
                    foreach (var delivery in queued.Deliveries)
                    {
                        // Handed over rows need no wake-up: nobody else may claim them.
                        if (lease is null || !lease.Leased[index]) state.Endpoints.Add(delivery.EndpointId);
                        index++;
                    }
                }

                state.Queued.Clear();
            }

            if (state.Own is { } own)
            {
                state.Own = null;
                await using (own)
                {
                    if (async) await own.CommitAsync(cancellationToken);
                    else own.Commit();
                }
            }
            else if (state.Endpoints.Count > 0 && context.Database.CurrentTransaction is null)
            {
                // A single-statement save without a transaction: already committed.
                await Writer(context).NotifyCommittedAsync(context, state.Endpoints, async, cancellationToken);

                signal.Notify([.. state.Endpoints]);
                state.Endpoints.Clear();
            }
        }
        catch
        {
            await FailedAsync(context, async);
            throw;
        }
    }

    private async Task FailedAsync(DbContext? context, bool async)
    {
        if (context is null || !_states.TryGetValue(context, out var state) || state.Own is not { } own) return;
        state.Own = null;
        try
        {
            // Explicitly, so the other interceptors (the SQLite write queue) and this one see the rollback.
            if (async) await own.RollbackAsync();
            else own.Rollback();
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // The connection broke: the database rolled the transaction back itself.
        }
        finally
        {
            if (async) await own.DisposeAsync();
            else own.Dispose();
        }
    }

    private State? NeedsNotify(DbContext? context) =>
        context is not null && _states.TryGetValue(context, out var state) && state.Endpoints.Count > 0 && !state.Notified ? state : null;

    private IOutboxWriter Writer(DbContext context) => _writers.GetValue(context.Model, _ => DeliveryProviders.OutboxWriter(context));

    /// <summary>The endpoints of the delivery entities the save adds (redeliveries are added the EF way), without a DetectChanges scan.</summary>
    private static List<long> AddedDeliveryEndpoints(DbContext context)
    {
        var detect = context.ChangeTracker.AutoDetectChangesEnabled;
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return [.. context.ChangeTracker.Entries<DeliveryRecord>().Where(e => e.State == EntityState.Added).Select(e => e.Entity.EndpointId)];
        }
        finally
        {
            context.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }
}
