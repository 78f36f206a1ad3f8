using Microsoft.Extensions.Logging;

namespace TechLink.Delivery.Dispatching;

/// <summary>Dispatcher log messages. Never tokens, secrets or payloads: ids, counts and reasons only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = LogEventIds.DispatcherStarted, Level = LogLevel.Information, Message = "Delivery dispatcher {NodeId} started")]
    public static partial void DispatcherStarted(this ILogger logger, string nodeId);

    [LoggerMessage(EventId = LogEventIds.DispatcherStopped, Level = LogLevel.Information, Message = "Delivery dispatcher {NodeId} stopped")]
    public static partial void DispatcherStopped(this ILogger logger, string nodeId);

    [LoggerMessage(EventId = LogEventIds.LoopFailed, Level = LogLevel.Error, Message = "Delivery dispatcher loop failed ({Failures} in a row); retrying in {Delay}")]
    public static partial void LoopFailed(this ILogger logger, Exception exception, int failures, TimeSpan delay);

    [LoggerMessage(EventId = LogEventIds.Claimed, Level = LogLevel.Debug, Message = "Claimed {Count} deliveries")]
    public static partial void Claimed(this ILogger logger, int count);

    [LoggerMessage(EventId = LogEventIds.AttemptDone, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} attempt {Attempt} to endpoint {EndpointId}: {Outcome} {StatusCode} in {DurationMs} ms")]
    public static partial void AttemptDone(this ILogger logger, long deliveryId, int attempt, long endpointId, string outcome, int? statusCode, long durationMs);

    [LoggerMessage(EventId = LogEventIds.DeliveryFailed, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to endpoint {EndpointId} failed for good after {Attempts} attempts: {Error}")]
    public static partial void DeliveryFailed(this ILogger logger, long deliveryId, long endpointId, int attempts, string? error);

    [LoggerMessage(EventId = LogEventIds.EndpointUnavailable, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} not sent: endpoint {EndpointId} {Reason}")]
    public static partial void EndpointUnavailable(this ILogger logger, long deliveryId, long endpointId, string reason);

    [LoggerMessage(EventId = LogEventIds.ProcessingFailed, Level = LogLevel.Error, Message = "Delivery {DeliveryId} could not be processed; lease handed back")]
    public static partial void ProcessingFailed(this ILogger logger, Exception exception, long deliveryId);

    [LoggerMessage(EventId = LogEventIds.WriteFailed, Level = LogLevel.Error, Message = "Writing {Count} delivery results failed ({Failures} in a row); retrying in {Delay}")]
    public static partial void WriteFailed(this ILogger logger, Exception exception, int count, int failures, TimeSpan delay);

    [LoggerMessage(EventId = LogEventIds.LeaseLost, Level = LogLevel.Warning, Message = "{Count} delivery results dropped: their lease had passed to another node")]
    public static partial void LeaseLost(this ILogger logger, int count);

    [LoggerMessage(EventId = LogEventIds.ListenFailed, Level = LogLevel.Warning, Message = "LISTEN {Channel} connection failed ({Failures} in a row); reconnecting in {Delay}")]
    public static partial void ListenFailed(this ILogger logger, Exception exception, string channel, int failures, TimeSpan delay);

    [LoggerMessage(EventId = LogEventIds.Listening, Level = LogLevel.Information, Message = "Listening for {Channel} notifications")]
    public static partial void Listening(this ILogger logger, string channel);

    [LoggerMessage(EventId = LogEventIds.BacklogSampleFailed, Level = LogLevel.Warning, Message = "Sampling the delivery backlog failed")]
    public static partial void BacklogSampleFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Postponed, Level = LogLevel.Information, Message = "{Count} due deliveries to not-answering endpoint(s) {EndpointIds} postponed to {Until:o}")]
    public static partial void Postponed(this ILogger logger, int count, string endpointIds, DateTime until);

    [LoggerMessage(EventId = LogEventIds.PrefetchFailed, Level = LogLevel.Warning, Message = "Looking up the endpoints of {Count} claimed deliveries at once failed; each send looks its own up")]
    public static partial void PrefetchFailed(this ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = LogEventIds.EndpointPaused, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} parked: endpoint {EndpointId} is paused")]
    public static partial void EndpointPaused(this ILogger logger, long deliveryId, long endpointId);

    [LoggerMessage(EventId = LogEventIds.ResumedWhileParking, Level = LogLevel.Information, Message = "Endpoint(s) {EndpointIds} resumed while their deliveries were being parked: {Count} unparked")]
    public static partial void ResumedWhileParking(this ILogger logger, string endpointIds, int count);

    [LoggerMessage(EventId = LogEventIds.EndpointsChanged, Level = LogLevel.Debug, Message = "Endpoint(s) {EndpointIds} changed on another node: forgotten")]
    public static partial void EndpointsChanged(this ILogger logger, string endpointIds);
    [LoggerMessage(EventId = LogEventIds.FailureWatcherFailed, Level = LogLevel.Error, Message = "Telling the host of {Count} failing endpoint(s) failed; the next failed delivery tells it again")]
    public static partial void FailureWatcherFailed(this ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = LogEventIds.ResultsAbandoned, Level = LogLevel.Warning, Message = "{Count} delivery results not written at shutdown; their leases will expire and they will be sent again")]
    public static partial void ResultsAbandoned(this ILogger logger, int count);
}
