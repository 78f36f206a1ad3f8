using TechLink.Delivery.Model;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// A DbContext that takes part in the outbox: it owns what its unit of work has queued and written
/// (<see cref="OutboxUnit"/>), so that state lives and dies with the context instead of in a table beside it.
/// </summary>
public interface IOutboxContext
{
    OutboxUnit Outbox { get; }
}

/// <summary>
/// The outbox's part of one DbContext's unit of work: the events queued and not yet written, and what the current
/// transaction wrote (whom to wake, what to hand over) when it commits. Written and read by <see cref="OutboxInterceptor"/>.
/// </summary>
public sealed class OutboxUnit
{
    private Dictionary<Type, object>? _items;

    internal List<PendingEvent> Queued { get; } = [];

    /// <summary>The endpoints of the deliveries written in the current transaction (or save): wake dispatchers for them when it commits.</summary>
    internal HashSet<long> Endpoints { get; } = [];

    internal bool Notified { get; set; }

    /// <summary>Deliveries written leased to this node in the current transaction: handed to its dispatcher when it commits.</summary>
    internal List<ClaimedDelivery> Handed { get; } = [];

    /// <summary>How many events are queued and not yet written.</summary>
    public int QueuedCount => Queued.Count;

    /// <summary>
    /// The host's own state for this unit of work (e.g. the registrations it already read to fan an event out), made on
    /// first use and gone with the context.
    /// </summary>
    public T Item<T>(Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        _items ??= [];
        if (!_items.TryGetValue(typeof(T), out var item)) _items[typeof(T)] = item = create();
        return (T)item;
    }

    /// <summary>The host's state of type <typeparamref name="T"/> for this unit of work, if it made one.</summary>
    public T? Find<T>()
        where T : class =>
        _items is not null && _items.TryGetValue(typeof(T), out var item) ? (T)item : null;

    internal void Clear()
    {
        Queued.Clear();
        Endpoints.Clear();
        Handed.Clear();
        Notified = false;
    }

    /// <summary>
    /// Starts a new unit of work on the same DbContext (a pooled one's next lease): nothing queued, written or kept
    /// of the last one; the host's items that are <see cref="IDisposable"/> are disposed (e.g. to drop their event handlers).
    /// </summary>
    public void Reset()
    {
        Clear();
        if (_items is null) return;
        var items = _items.Values.ToList();
        _items = null;
        foreach (var item in items) (item as IDisposable)?.Dispose();
    }

    /// <summary>The unit of <paramref name="context"/>, which must be an <see cref="IOutboxContext"/>.</summary>
    public static OutboxUnit Of(DbContext context) =>
        (context as IOutboxContext)?.Outbox
        ?? throw new InvalidOperationException($"{context?.GetType().Name} does not take part in the outbox: let it implement {nameof(IOutboxContext)}.");
}

/// <summary>The explicit save-and-publish of a unit of work whose events are queued on its DbContext.</summary>
public static class OutboxSaving
{
    /// <summary>
    /// Saves <paramref name="context"/>'s changes and the events queued on it in one transaction: the caller's when one is
    /// open (it commits them), otherwise one begun and committed here. Once committed, the local dispatcher is woken (and,
    /// on PostgreSQL, the other nodes); on failure the transaction rolls back and nothing of it is written.
    /// </summary>
    public static async Task<int> SaveAndPublishAsync(this DbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Database.CurrentTransaction is not null) return await context.SaveChangesAsync(cancellationToken);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var saved = await context.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return saved;
        }
        catch
        {
            // Explicitly, so the interceptors (this outbox, the SQLite write gate) see the rollback.
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                // The connection broke: the database rolled back itself.
            }

            throw;
        }
    }
}
