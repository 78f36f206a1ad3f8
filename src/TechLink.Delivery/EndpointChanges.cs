using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Providers;

namespace TechLink.Delivery;

/// <summary>
/// How a change to an endpoint (URL, token, secret, enabled, paused, deleted) reaches every dispatcher before the
/// change is answered: this node's <see cref="IEndpointDirectory"/> forgets the endpoint, and on PostgreSQL a
/// <c>NOTIFY</c> on the wake-up channel (<c>changed:&lt;ids&gt;</c>) tells the other nodes' listeners, which forget it too.
/// Notifications arrive in commit order, so a node hears of the change before it hears of any event committed after it.
/// </summary>
public sealed class EndpointChanges(IEndpointDirectory directory, DeliverySignal signal)
{
    /// <summary>The prefix of a change notification's payload; what follows are endpoint ids (none: all of them).</summary>
    public const string Prefix = "changed:";

    /// <summary>A command that tells other nodes of the change when <paramref name="transaction"/> commits; null where all is in this process.</summary>
    public DbCommand? CreateNotify(DbContext context, DbTransaction transaction, IReadOnlyCollection<long> endpoints)
    {
        ArgumentNullException.ThrowIfNull(context);
        return DeliveryProviders.OutboxWriter(context).CreateNotify(transaction, Payload(endpoints));
    }

    /// <summary>Tells other nodes of a change that has already committed (a save without a transaction).</summary>
    public Task NotifyCommittedAsync(DbContext context, IReadOnlyCollection<long> endpoints, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return DeliveryProviders.OutboxWriter(context).NotifyCommittedAsync(context, Payload(endpoints), async, cancellationToken);
    }

    /// <summary>This node forgets what it cached of these endpoints (call once the change has committed).</summary>
    public void Forget(IReadOnlyCollection<long> endpoints) => directory.Invalidate(endpoints);

    /// <summary>Wakes the dispatchers (this node's, and on PostgreSQL the others') for these endpoints: their rows are due.</summary>
    public async Task WakeAsync(DbContext context, IReadOnlyCollection<long> endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await DeliveryProviders.OutboxWriter(context).NotifyCommittedAsync(context, DeliverySignal.Payload(endpoints), async: true, cancellationToken);
        signal.Notify(endpoints);
    }

    /// <summary>Unparks the endpoints' rows (<see cref="Parking"/>) in one write transaction, then wakes the dispatchers.</summary>
    public async Task<int> UnparkAsync(DbContext context, IReadOnlyCollection<long> endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        int moved;
        await using (var transaction = await context.Database.BeginTransactionAsync(cancellationToken))
        {
            moved = await Parking.UnparkAsync(context, endpoints, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (moved > 0) await WakeAsync(context, endpoints, cancellationToken);
        return moved;
    }

    public static string Payload(IReadOnlyCollection<long> endpoints)
    {
        var ids = DeliverySignal.Payload(endpoints);
        return Prefix + ids;
    }

    /// <summary>Reads a change notification's endpoints (empty: all); false when the payload is not one.</summary>
    public static bool TryRead(string? payload, out List<long> endpoints)
    {
        endpoints = [];
        if (payload is null || !payload.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        foreach (var part in payload[Prefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                endpoints.Clear();
                return true;
            }

            endpoints.Add(id);
        }

        return true;
    }
}
