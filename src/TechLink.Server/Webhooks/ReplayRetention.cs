using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Delivery.Retention;

namespace TechLink.Server.Webhooks;

/// <summary>
/// A replay's record goes once retention has taken its deliveries: it is older than the deliveries' retention and none
/// of the deliveries it queued is left (its progress could no longer be counted).
/// </summary>
internal sealed class ReplayRetention : IRetentionTask
{
    public Task<int> SweepAsync(DbContext db, RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cutoffs);
        var deliveries = db.Set<DeliveryRecord>();
        return db.Set<WebhookReplay>()
            .Where(r => r.CreatedAt < cutoffs.Deliveries && !deliveries.Any(d => d.ReplayId == r.Id))
            .ExecuteDeleteAsync(cancellationToken);
    }
}
