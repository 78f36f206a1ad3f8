using System.Text.Json;

namespace TechLink.Server.Webhooks;

/// <summary>
/// A realistic payload of every event type, for the test button, the readiness check and the API reference: each event
/// record's own sample (<see cref="EventTypeInfo.SampleJson"/>), so a catalog entry cannot lack one.
/// </summary>
public static class EventSamples
{
    public static JsonElement? For(string type) => EventCatalog.Find(type) is { } info ? JsonDocument.Parse(info.SampleJson).RootElement.Clone() : null;
}
