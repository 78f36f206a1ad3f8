using System.Diagnostics;
using TechLink.Delivery.Dispatching;

namespace TechLink.Delivery;

/// <summary>
/// ActivitySource <c>TechLink.Delivery</c>: one span (kind Client) per webhook attempt. An attempt may come minutes after
/// the change that caused it, so it starts a trace of its own and links to the context stored with the event
/// (<see cref="Model.OutboxMessage.TraceParent"/>, the API request's span); the POST carries the attempt span's
/// <c>traceparent</c>, so a receiver that traces joins it.
/// </summary>
public static class DeliveryTracing
{
    public const string SourceName = "TechLink.Delivery";
    public const string AttemptSpanName = "webhook attempt";

    internal static readonly ActivitySource Source = new(SourceName, typeof(DeliveryTracing).Assembly.GetName().Version?.ToString(3));

    /// <summary>The W3C <c>traceparent</c> of the current activity (null: none, or not W3C).</summary>
    internal static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>Starts the span of one attempt (null when nobody listens), as a root linked to the event's stored context.</summary>
    internal static Activity? StartAttempt(ClaimedDelivery claim)
    {
        if (!Source.HasListeners()) return null;
        ActivityLink[]? links = claim.TraceParent is { } stored && ActivityContext.TryParse(stored, null, isRemote: true, out var context)
            ? [new ActivityLink(context)]
            : null;
        // A root, not a child of whatever is current (an attempt is not part of the dispatcher's work).
        var outer = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity(ActivityKind.Client, default(ActivityContext), links: links, name: AttemptSpanName);
        if (activity is null)
        {
            Activity.Current = outer;
            return null;
        }

        return activity.SetTag("techlink.delivery.id", claim.Id)
            .SetTag("techlink.endpoint.id", claim.EndpointId)
            .SetTag("techlink.delivery.attempt", claim.AttemptCount + 1)
            .SetTag("webhook.id", claim.WebhookMessageId);
    }

    /// <summary>The trace id of a stored <c>traceparent</c> (null: none or unreadable).</summary>
    internal static string? TraceIdOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context.TraceId.ToString() : null;
}
