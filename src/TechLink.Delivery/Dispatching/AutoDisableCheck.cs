using Microsoft.Extensions.Logging;
using TechLink.Delivery.Health;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// After a result batch commits: which of the endpoints it counted now meet the auto-disable rule (a run of at least
/// <see cref="AutoDisableOptions.FailedDeliveries"/> failed deliveries, begun more than
/// <see cref="AutoDisableOptions.FailingFor"/> ago), told to the host's <see cref="IEndpointFailureWatcher"/>. The host
/// checks again against the delivery log and disables once (a conditional update), so telling it twice is harmless.
/// </summary>
internal sealed class AutoDisableCheck(IEndpointFailureWatcher watcher, AutoDisableOptions options, ILogger logger)
{
    /// <param name="writtenAt">When the batch was written: the rows are judged as of then, not as of whenever this runs.</param>
    public async Task CheckAsync(IReadOnlyList<HealthRow> rows, DateTime writtenAt, CancellationToken cancellationToken)
    {
        if (options.FailedDeliveries <= 0 || rows.Count == 0) return;
        var cutoff = writtenAt - options.FailingFor;
        var failing = rows
            .Where(r => r.ConsecutiveFailedDeliveries >= options.FailedDeliveries && r.FailingSince is { } since && since <= cutoff)
            .Select(r => new FailingEndpoint(r.EndpointId, r.ConsecutiveFailedDeliveries, r.FailingSince!.Value))
            .ToList();
        if (failing.Count == 0) return;
        try
        {
            await watcher.EndpointsFailingAsync(failing, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The results are written; a host that could not act now is told again with the endpoint's next failure.
            logger.FailureWatcherFailed(ex, failing.Count);
        }
    }
}
