namespace TechLink.Webhooks;

/// <summary>What a handler knows about the delivery besides the event.</summary>
/// <param name="WebhookId">The <c>webhook-id</c> (stable across retries), or null when the sender sent none.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> of this attempt, when present.</param>
/// <param name="Services">The request's scoped services.</param>
public sealed record WebhookContext(string? WebhookId, DateTimeOffset? Timestamp, IServiceProvider Services)
{
    /// <summary>
    /// The <c>techlink-sequence</c> number (see <see cref="WebhookSequence"/>), or null when the sender sent none;
    /// feed it to a <see cref="SequenceGapTracker"/> with <see cref="WebhookSequence.SubjectOf"/> to notice missed events.
    /// </summary>
    public long? Sequence { get; init; }
}

/// <summary>
/// Handles one event type. Registered with <see cref="TechLinkWebhooksBuilder.AddHandler{TEvent, THandler}"/>, resolved
/// per request. Register for <see cref="TechLinkEvent"/> to see every event, <see cref="WorkOrderEvent"/> for every
/// work order event, <see cref="UnknownEvent"/> for types this SDK does not know yet. Throwing answers 500, so the sender retries.
/// </summary>
/// <typeparam name="TEvent">The event type handled.</typeparam>
public interface ITechLinkWebhookHandler<in TEvent> where TEvent : TechLinkEvent
{
    /// <summary>Handles the event.</summary>
    Task HandleAsync(TEvent webhookEvent, WebhookContext context, CancellationToken cancellationToken);
}

internal sealed record HandlerRegistration(Type EventType, Func<TechLinkEvent, WebhookContext, CancellationToken, Task> Invoke);
