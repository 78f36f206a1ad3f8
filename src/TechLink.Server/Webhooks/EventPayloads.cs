namespace TechLink.Server.Webhooks;

// The envelopes of the events whose data is a resource (the body its GET answers). Events with fields of their own
// are the SDK's records (TechLink.Webhooks), raised as they are. Property names become snake_case on the wire.

public sealed record WorkOrderDataEvent(string Event, string WorkorderId, object Data);

public sealed record DataEvent(string Event, object Data);

internal static class EventPayload
{
    /// <summary>The envelope of <paramref name="data"/>: with <c>workorder_id</c> when the event is about a work order.</summary>
    public static object For(string eventType, EventSubject subject, object data) =>
        subject.WorkOrderId is { } workOrderId ? new WorkOrderDataEvent(eventType, workOrderId, data) : new DataEvent(eventType, data);
}
