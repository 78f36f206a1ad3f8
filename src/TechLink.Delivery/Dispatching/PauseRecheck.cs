using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Closes the race between parking and resuming: a resume unparks its endpoint's rows right after it commits, but an
/// attempt that read "paused" just before may write its park after that. So once a batch that parked rows is written,
/// their endpoints are read again (past any cache); any no longer paused has its rows unparked here. Either the resume's
/// unpark runs after the park, or this read runs after the resume's commit: no row stays parked behind a resume.
/// </summary>
internal sealed class PauseRecheck(IDeliveryStore store, IEndpointDirectory directory, DeliverySignal wake, ILogger logger)
{
    public async Task AfterWriteAsync(IReadOnlyList<DeliveryResult> batch, CancellationToken cancellationToken)
    {
        HashSet<long>? parked = null;
        foreach (var result in batch)
        {
            if (result.Parks) (parked ??= []).Add(result.Claim.EndpointId);
        }

        if (parked is null) return;
        directory.Invalidate(parked);
        var resumed = new List<long>();
        foreach (var endpointId in parked)
        {
            if (await directory.FindAsync(endpointId, cancellationToken) is not { Paused: true }) resumed.Add(endpointId);
        }

        if (resumed.Count == 0) return;
        var moved = await store.UnparkAsync(resumed, cancellationToken);
        if (moved == 0) return;
        logger.ResumedWhileParking(string.Join(",", resumed), moved);
        wake.Notify(resumed);
    }
}
