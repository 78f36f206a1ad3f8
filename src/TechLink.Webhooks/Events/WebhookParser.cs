using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TechLink.Webhooks;

/// <summary>Turns a webhook body into its typed <see cref="TechLinkEvent"/>.</summary>
public static class WebhookParser
{
    /// <summary>The CLR type for an event name, or null when the name is not one of the specification's.</summary>
    public static Type? EventClrType(string eventType) => TechLinkEventTypes.Find(eventType)?.ClrType;

    /// <summary>Parses a body; throws <see cref="WebhookParseException"/> when it is not a TechLink event.</summary>
    public static TechLinkEvent Parse(string json) =>
        TryParse(json, out var result, out var error) ? result : throw new WebhookParseException(error);

    /// <summary>Parses a body; answers false with a reason when it is not a TechLink event.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out TechLinkEvent? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            error = "The body is empty.";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body is not a JSON object.";
                return false;
            }

            if (!root.TryGetProperty("event", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } eventType)
            {
                error = "The body has no \"event\" string.";
                return false;
            }

            if (TechLinkEventTypes.Find(eventType) is null)
            {
                result = new UnknownEvent
                {
                    EventType = eventType,
                    WorkOrderId = root.TryGetProperty("workorder_id", out var wo) && wo.ValueKind is JsonValueKind.String or JsonValueKind.Number ? wo.ToString() : null,
                    Payload = root.Clone(),
                    RawJson = json,
                };
                error = null;
                return true;
            }

            var parsed = TechLinkJson.Deserialize(root);
            if (parsed is null)
            {
                error = $"The body of \"{eventType}\" is null.";
                return false;
            }

            result = parsed with { RawJson = json };
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "The body is not a valid TechLink event: " + ex.Message;
            return false;
        }
    }
}

/// <summary>A body that is not a TechLink webhook event.</summary>
public sealed class WebhookParseException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public WebhookParseException()
    {
    }

    /// <summary>Creates the exception with a reason.</summary>
    public WebhookParseException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and its cause.</summary>
    public WebhookParseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
