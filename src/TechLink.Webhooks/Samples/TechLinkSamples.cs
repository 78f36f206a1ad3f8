using System.Diagnostics.CodeAnalysis;

namespace TechLink.Webhooks;

/// <summary>
/// A realistic body for each event type of the specification, shaped exactly as the server sends them (each event
/// record's <see cref="ITechLinkEventType{TSelf}.SampleJson"/>). Use them to test a receiver (the <c>techlink trigger</c>
/// command sends these).
/// </summary>
public static class TechLinkSamples
{
    /// <summary>Every sample, keyed by event type, in the specification's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> All { get; } =
        [.. TechLinkEventTypes.Definitions.Select(d => KeyValuePair.Create(d.Name, d.SampleJson))];

    /// <summary>The sample body of an event type; throws <see cref="ArgumentException"/> for a type the specification does not have.</summary>
    public static string For(string eventType) =>
        TryGet(eventType, out var body) ? body : throw new ArgumentException($"Unknown event type \"{eventType}\".", nameof(eventType));

    /// <summary>The sample body of an event type (matched exactly, as the <c>event</c> field is).</summary>
    public static bool TryGet(string eventType, [NotNullWhen(true)] out string? body)
    {
        body = TechLinkEventTypes.Find(eventType)?.SampleJson;
        return body is not null;
    }
}
