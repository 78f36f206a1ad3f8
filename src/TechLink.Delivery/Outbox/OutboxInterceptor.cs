using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Metadata;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// Add to the host's DbContext (<c>options.AddInterceptors(sp.GetRequiredService&lt;OutboxInterceptor&gt;())</c>); the
/// context implements <see cref="IOutboxContext"/>, which holds its unit of work's outbox state.
/// <list type="bullet">
/// <item>Events queued with <see cref="Enqueue"/> are written by the context's next SaveChanges, after its own
/// changes and in the same transaction, by the provider's <see cref="IOutboxWriter"/>. That transaction is the caller's:
/// <see cref="OutboxSaving.SaveAndPublishAsync"/>, or a transaction the caller began. A save of queued events with no
/// transaction is refused, so where events are published is visible at the call site.</item>
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
public sealed class OutboxInterceptor : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly DeliverySignal signal;
    private readonly OutboxWriterFactory writers;
    private readonly LocalHandoff? handoff;

    /// <param name="writers">The provider's writer for a context (the engine's registration passes <c>DeliveryProviders.OutboxWriter</c>).</param>
    internal OutboxInterceptor(DeliverySignal signal, OutboxWriterFactory writers, LocalHandoff? handoff = null)
    {
        this.signal = signal;
        this.writers = writers;
        this.handoff = handoff;
    }

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

        OutboxUnit.Of(context).Queued.Add(pendingEvent);
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Saving(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Saving(eventData.Context);
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
        if (UnitOf(eventData.Context) is not { } state) return;
        if (state.Handed.Count > 0)
        {
            List<ClaimedDelivery> handed = [.. state.Handed];
            state.Handed.Clear();
            handoff?.Accept(handed);
        }

        if (state.Endpoints.Count > 0)
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
        UnitOf(eventData.Context)?.Clear();
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Before a save: remembers deliveries added the EF way; refuses queued events without a transaction to write them in.
    /// </summary>
    private static void Saving(DbContext? context)
    {
        if (UnitOf(context) is not { } state) return;
        foreach (var endpoint in AddedDeliveryEndpoints(context!)) state.Endpoints.Add(endpoint);
        if (state.Queued.Count > 0 && context!.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException(
                $"{state.Queued.Count} queued outbox event(s) would be saved without a transaction: save them with {nameof(OutboxSaving.SaveAndPublishAsync)} or inside the unit of work's transaction.");
        }
    }

    /// <summary>After the save's own changes: writes the queued events in the same transaction.</summary>
    private async Task SavedAsync(DbContext? context, bool async, CancellationToken cancellationToken)
    {
        if (UnitOf(context) is not { } state) return;
        if (state.Queued.Count > 0)
        {
            var transaction = context!.Database.CurrentTransaction?.GetDbTransaction()
                ?? throw new InvalidOperationException("Outbox events are written inside the unit of work's transaction.");
            for (var i = 0; i < state.Queued.Count; i++) state.Queued[i] = state.Queued[i].WithPayloadMade();
            var lease = handoff?.Offer(state.Queued);
            state.Handed.AddRange(await Writer(context!).WriteAsync(transaction, state.Queued, lease, async, cancellationToken));
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
        else if (state.Endpoints.Count > 0 && context!.Database.CurrentTransaction is null)
        {
            // A single-statement save without a transaction (deliveries added the EF way): already committed.
            await Writer(context).NotifyCommittedAsync(context, state.Endpoints, async, cancellationToken);
            signal.Notify([.. state.Endpoints]);
            state.Endpoints.Clear();
        }
    }

    private static OutboxUnit? UnitOf(DbContext? context) => (context as IOutboxContext)?.Outbox;

    private static OutboxUnit? NeedsNotify(DbContext? context) =>
        UnitOf(context) is { Endpoints.Count: > 0, Notified: false } state ? state : null;

    private IOutboxWriter Writer(DbContext context) => _writers.GetValue(context.Model, _ => writers(context));

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
