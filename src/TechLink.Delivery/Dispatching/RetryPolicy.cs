using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery.Dispatching;

/// <summary>What an attempt's outcome means for its delivery: done, failed for good, or due again later.</summary>
internal static class RetryPolicy
{
    public static DeliveryResult Decide(ClaimedDelivery claim, AttemptOutcome outcome, DeliveryOptions options, DateTime now, Random random)
    {
        var number = claim.AttemptCount + 1;
        var attempt = outcome.ToAttempt(number, claim.Id);
        if (outcome.Succeeded) return new DeliveryResult(claim, DeliveryStatus.Succeeded, number, claim.NextAttemptAt, now, null, attempt);
        if (number >= options.MaxAttempts) return new DeliveryResult(claim, DeliveryStatus.Failed, number, claim.NextAttemptAt, now, outcome.Error, attempt);
        return new DeliveryResult(claim, DeliveryStatus.Pending, number, WholeMilliseconds(now + NextDelay(outcome, options, random)), null, outcome.Error, attempt);
    }

    /// <summary>
    /// A due time both databases store exactly (PostgreSQL keeps microseconds), so the dispatcher's own record of when
    /// its retry is due equals the row's.
    /// </summary>
    public static DateTime WholeMilliseconds(DateTime value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), value.Kind);

    /// <summary>
    /// Uniform in [RetryDelayMin, RetryDelayMax]; a longer Retry-After (429/503) is honoured up to RetryAfterMax. The
    /// attempt still counts: Retry-After moves the next attempt, it does not add one.
    /// </summary>
    public static TimeSpan NextDelay(AttemptOutcome outcome, DeliveryOptions options, Random random)
    {
        var delay = options.RetryDelayMin + (options.RetryDelayMax - options.RetryDelayMin) * random.NextDouble();
        if (outcome.RetryAfter is { } retryAfter && retryAfter > delay)
        {
            var cap = options.RetryAfterMax > delay ? options.RetryAfterMax : delay;
            delay = retryAfter < cap ? retryAfter : cap;
        }

        return delay;
    }
}
