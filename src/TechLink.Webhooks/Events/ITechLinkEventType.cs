namespace TechLink.Webhooks;

/// <summary>
/// What every event type of the specification carries besides its fields: its name, its words and a realistic sample.
/// The static members make a type without a sample (or without a description) fail to compile, so every place that
/// lists the event types (the server's catalog and test button, the OpenAPI document, the CLI, these SDK's samples) can
/// be built from <see cref="TechLinkEventTypes.Definitions"/>.
/// </summary>
/// <typeparam name="TSelf">The event record itself.</typeparam>
public interface ITechLinkEventType<TSelf> where TSelf : TechLinkEvent, ITechLinkEventType<TSelf>
{
    /// <summary>The event name, exactly as in the <c>event</c> field (one of the <see cref="TechLinkEventTypes"/> constants).</summary>
    static abstract string EventName { get; }

    /// <summary>The specification's description of the event.</summary>
    static abstract string Description { get; }

    /// <summary>A realistic body of the event, shaped exactly as the server sends it.</summary>
    static abstract string SampleJson { get; }
}

/// <summary>One event type of the specification: its name, description, record type and sample body.</summary>
/// <param name="Name">The event name, exactly as in the <c>event</c> field.</param>
/// <param name="Description">The specification's description.</param>
/// <param name="ClrType">The sealed record a body of this type parses into.</param>
/// <param name="SampleJson">A realistic body.</param>
public sealed record TechLinkEventDefinition(string Name, string Description, Type ClrType, string SampleJson)
{
    /// <summary>Whether the record's <c>data</c> holds a resource (the body a GET of it answers) rather than fields of its own.</summary>
    public bool HasData => ClrType.GetProperty("Data") is not null;

    internal static TechLinkEventDefinition Of<TEvent>() where TEvent : TechLinkEvent, ITechLinkEventType<TEvent> =>
        new(TEvent.EventName, TEvent.Description, typeof(TEvent), TEvent.SampleJson);
}
