using TechLink.Delivery.Model;
using System.Data.Common;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// Writes a unit of work's events and their deliveries inside its transaction with hand-written inserts (every change
/// the API makes writes them, and EF Core's change tracking cost more than the rest of the write), and tells other nodes
/// of them where the provider can. One implementation per provider, in <c>Providers/</c>.
/// </summary>
internal interface IOutboxWriter
{
    /// <summary>
    /// Inserts the events and their deliveries; those <paramref name="lease"/> marks are inserted leased to this node
    /// (<see cref="Dispatching.LocalHandoff"/>) and answered as claims, with their ids, payloads and sequence numbers.
    /// </summary>
    Task<IReadOnlyList<Dispatching.ClaimedDelivery>> WriteAsync(DbTransaction transaction, IReadOnlyList<PendingEvent> events, Dispatching.LocalLease? lease, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// A command that tells the other nodes, when <paramref name="transaction"/> commits, which endpoints got deliveries
    /// (it runs inside the transaction, so they hear of the rows exactly when they become visible); null where every
    /// writer is in this process.
    /// </summary>
    DbCommand? CreateNotify(DbTransaction transaction, IReadOnlyCollection<long> endpoints);

    /// <summary>The same, after a save that committed without a transaction of its own (a single statement).</summary>
    Task NotifyCommittedAsync(Microsoft.EntityFrameworkCore.DbContext context, IReadOnlyCollection<long> endpoints, bool async, CancellationToken cancellationToken);

    /// <summary>A command that sends <paramref name="payload"/> as it is on the wake-up channel at commit (<see cref="EndpointChanges"/>); null where every writer is in this process.</summary>
    DbCommand? CreateNotify(DbTransaction transaction, string payload) => null;

    /// <summary>Sends <paramref name="payload"/> as it is on the wake-up channel now.</summary>
    Task NotifyCommittedAsync(Microsoft.EntityFrameworkCore.DbContext context, string payload, bool async, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Makes the outbox writer for a DbContext's provider and model (the engine registers <c>Providers/DeliveryProviders.OutboxWriter</c>).</summary>
internal delegate IOutboxWriter OutboxWriterFactory(Microsoft.EntityFrameworkCore.DbContext context);
