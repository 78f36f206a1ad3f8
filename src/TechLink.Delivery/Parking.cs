using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;

namespace TechLink.Delivery;

/// <summary>
/// A paused endpoint's deliveries are parked: still pending, with no attempt counted, but due only at <see cref="Until"/>,
/// so no claim, discovery or gauge sees them and their backlog takes no send slot. The dispatcher parks a claimed row when
/// it finds its endpoint paused; resuming (or enabling) unparks the endpoint's rows, due again in creation order.
/// </summary>
public static class Parking
{
    /// <summary>The due time of a parked row: far beyond any real retry.</summary>
    public static readonly DateTime Until = new(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static bool IsParked(DateTime nextAttemptAt) => nextAttemptAt >= Until;

    /// <summary>
    /// Makes the parked rows of these endpoints due again, each at its creation time (in the past, so at once and oldest
    /// first); answers how many. Run it in the caller's write transaction.
    /// </summary>
    public static Task<int> UnparkAsync(DbContext db, IReadOnlyCollection<long> endpointIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var ids = endpointIds.ToList();
        return db.Set<DeliveryRecord>()
            .Where(d => ids.Contains(d.EndpointId) && d.Status == DeliveryStatus.Pending && d.NextAttemptAt >= Until)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, d => d.CreatedAt), cancellationToken);
    }
}
