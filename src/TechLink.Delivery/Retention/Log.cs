using Microsoft.Extensions.Logging;

namespace TechLink.Delivery.Retention;

internal static partial class Log
{
    [LoggerMessage(EventId = LogEventIds.RetentionSwept, Level = LogLevel.Information,
        Message = "Retention deleted {Deliveries} deliveries, {Events} events, {StatsBuckets} stats buckets, {IdMarks} id marks and {HostRows} other rows in {Batches} batches ({ElapsedMs} ms)")]
    public static partial void RetentionSwept(this ILogger logger, int deliveries, int events, int statsBuckets, int idMarks, int hostRows, int batches, long elapsedMs);

    [LoggerMessage(EventId = LogEventIds.RetentionFailed, Level = LogLevel.Error, Message = "Retention sweep failed; trying again in {Interval}")]
    public static partial void RetentionFailed(this ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(EventId = LogEventIds.RetentionSkipped, Level = LogLevel.Debug, Message = "Retention sweep skipped: another node is sweeping")]
    public static partial void RetentionSkipped(this ILogger logger);

    [LoggerMessage(EventId = LogEventIds.IdMarkFailed, Level = LogLevel.Warning, Message = "Recording an id mark failed; trying again in {Interval}")]
    public static partial void IdMarkFailed(this ILogger logger, Exception exception, TimeSpan interval);
}
