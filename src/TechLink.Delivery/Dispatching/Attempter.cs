using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// One attempt of a claimed delivery: looks up where its registration points now, sends, and decides what follows
/// (<see cref="RetryPolicy"/>). A deleted or disabled registration fails the delivery without sending or counting an attempt;
/// a paused one parks it (<see cref="Parking"/>).
/// </summary>
internal sealed class Attempter(WebhookSender sender, IEndpointDirectory directory, DeliveryMetrics metrics, DeliveryOptions options, TimeProvider time, ILogger logger,
    IPayloadFinisher? finisher = null)
{
    public async Task<DeliveryResult> AttemptAsync(ClaimedDelivery claim, CancellationToken cancellationToken)
    {
        var target = await directory.FindAsync(claim.EndpointId, cancellationToken);
        if (target is null || !target.Enabled)
        {
            // Nothing is sent and no attempt is counted; the log says why, and a redelivery can follow re-enabling.
            var reason = target is null ? "registration deleted" : "registration disabled";
            logger.EndpointUnavailable(claim.Id, claim.EndpointId, reason);
            metrics.DeliveryFinished(DeliveryStatus.Failed);
            return new DeliveryResult(claim, DeliveryStatus.Failed, claim.AttemptCount, claim.NextAttemptAt, time.GetUtcNow().UtcDateTime, reason, null);
        }

        if (target.Paused)
        {
            // Kept pending with no attempt counted; resuming unparks it (and PauseRecheck closes the race with a resume).
            logger.EndpointPaused(claim.Id, claim.EndpointId);
            return DeliveryResult.Park(claim);
        }

        using var activity = DeliveryTracing.StartAttempt(claim);
        using var scope = logger.BeginScope(AttemptScope(claim, activity));
        var payload = finisher is null ? claim.Payload : finisher.Finish(claim.Payload);
        var outcome = await sender.SendAsync(target, claim.WebhookMessageId, payload, claim.Sequence, cancellationToken);
        if (activity is not null)
        {
            if (outcome.StatusCode is { } status) activity.SetTag("http.response.status_code", status);
            if (outcome.Failure is { } failure) activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.ToString());
        }

        metrics.AttemptFinished(outcome);
        metrics.AttemptFailed(claim.EndpointId, outcome);
        var result = RetryPolicy.Decide(claim, outcome, options, time.GetUtcNow().UtcDateTime, Random.Shared);
        logger.AttemptDone(claim.Id, result.AttemptCount, claim.EndpointId, outcome.Failure?.ToString() ?? "success", outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds);
        if (result.Status != DeliveryStatus.Pending) metrics.DeliveryFinished(result.Status);
        if (result.Status == DeliveryStatus.Failed) logger.DeliveryFailed(claim.Id, claim.EndpointId, result.AttemptCount, outcome.Error);
        return result;
    }

    /// <summary>The fields every log entry of one attempt carries (a structured scope: the JSON console formatter writes them out).</summary>
    private static KeyValuePair<string, object?>[] AttemptScope(ClaimedDelivery claim, System.Diagnostics.Activity? activity) =>
    [
        new("DeliveryId", claim.Id),
        new("WebhookId", claim.WebhookMessageId),
        new("EndpointId", claim.EndpointId),
        new("TraceId", activity?.TraceId.ToString() ?? DeliveryTracing.TraceIdOf(claim.TraceParent)),
    ];
}
