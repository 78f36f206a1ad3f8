using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>
/// A webhook event of the TechLink specification. Parse a request body with <see cref="Parse"/>; pattern-match
/// the result on the sealed event records (<see cref="WorkOrderStatusChanged"/>, <see cref="SiteCreated"/>, ...), listed with their
/// names, descriptions and samples in <see cref="TechLinkEventTypes.Definitions"/>.
/// Event types this version does not know come back as <see cref="UnknownEvent"/> with the raw JSON.
/// </summary>
public abstract record TechLinkEvent
{
    /// <summary>The event name, exactly as in the <c>event</c> field, e.g. <see cref="TechLinkEventTypes.WorkOrderStatusChange"/>.</summary>
    [JsonPropertyName("event")]
    [JsonPropertyOrder(-2)]
    public string Event => TypeName;

    /// <summary>The name <see cref="Event"/> answers: declared by each record, so <c>event</c> is written first.</summary>
    private protected abstract string TypeName { get; }

    /// <summary>The JSON body this event was parsed from.</summary>
    [JsonIgnore]
    public string RawJson { get; init; } = "";

    /// <summary>
    /// The fields that matter for this type on one short line (e.g. <c>60 Scheduled -> 70 Tech On Site</c>), for logs and
    /// the CLI; empty when the type has none beyond its name and work order.
    /// </summary>
    public virtual string Describe() => "";

    /// <summary>Parses a webhook body into its typed event; throws <see cref="WebhookParseException"/> when it is not one.</summary>
    public static TechLinkEvent Parse(string json) => WebhookParser.Parse(json);

    /// <summary>Parses a webhook body into its typed event; answers false with a reason when it is not one.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out TechLinkEvent? result, [NotNullWhen(false)] out string? error) =>
        WebhookParser.TryParse(json, out result, out error);
}

/// <summary>An event about one work order: every event whose name starts with "work order".</summary>
public abstract record WorkOrderEvent : TechLinkEvent
{
    /// <summary>The work order id (<c>workorder_id</c>).</summary>
    [JsonPropertyName("workorder_id")]
    [JsonPropertyOrder(-1)]
    public required string WorkOrderId { get; init; }
}

/// <summary>
/// An event whose type this version of the SDK does not know (a registration for "(any webhooks)" also receives
/// types added later). The JSON is kept whole in <see cref="Payload"/> and <see cref="TechLinkEvent.RawJson"/>.
/// </summary>
public sealed record UnknownEvent : TechLinkEvent
{
    /// <summary>The event name as sent.</summary>
    public required string EventType { get; init; }

    /// <inheritdoc />
    private protected override string TypeName => EventType;

    /// <summary>The <c>workorder_id</c> field, when the body has one.</summary>
    public string? WorkOrderId { get; init; }

    /// <inheritdoc />
    public override string Describe() => "(event type unknown to this version)" + (WorkOrderId is null ? "" : $" wo {WorkOrderId}");

    /// <summary>The whole body as a detached JSON element.</summary>
    public required System.Text.Json.JsonElement Payload { get; init; }
}
