using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// <c>/health/ready</c>'s view of delivery: unhealthy when this node's dispatcher loop has failed
/// <see cref="DeliveryOptions.ReadyMaxLoopFailures"/> times in a row, or when the earliest due pending delivery has been
/// due for longer than <see cref="DeliveryOptions.ReadyMaxAge"/> (deliveries are not getting out). "Due" is
/// <c>next_attempt_at &lt;= now</c>: rows held back on purpose (a paused registration's, a retry's wait) do not count.
/// </summary>
public sealed class DeliveryReadinessCheck<TContext>(
    IDbContextFactory<TContext> factory, DispatcherHealth dispatcher, IOptions<DeliveryOptions> options, TimeProvider time) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var failures = dispatcher.ConsecutiveLoopFailures;
        if (failures >= o.ReadyMaxLoopFailures)
        {
            return HealthCheckResult.Unhealthy($"the delivery dispatcher's loop failed {failures} times in a row");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var oldestDue = await db.Set<DeliveryRecord>()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .MinAsync(d => (DateTime?)d.NextAttemptAt, cancellationToken);
        if (oldestDue is { } due)
        {
            var age = now - DateTime.SpecifyKind(due, DateTimeKind.Utc);
            if (age > o.ReadyMaxAge)
            {
                return HealthCheckResult.Unhealthy($"the oldest due delivery has waited {age:c} (over ReadyMaxAge {o.ReadyMaxAge:c})");
            }
        }

        return HealthCheckResult.Healthy();
    }
}
