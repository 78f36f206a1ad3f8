using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>
/// The registration form's errors in plain words (issue 15): the API speaks in field names ("'url' is required.");
/// the form says what to do, once per field, next to that field.
/// </summary>
public static class WebhooksFormText
{
    public static IReadOnlyList<string> Plain(string field, IReadOnlyList<string> apiMessages)
    {
        if (apiMessages.Count == 0) return [];
        var first = apiMessages[0];
        var said = field switch
        {
            "type" when Missing(first) => "Choose which events to send: one event type, (all current webhooks) or (any webhooks).",
            "type" => "Choose one of the event types in the list.",
            "url" when Missing(first) => "Enter the URL that receives the webhooks, for example https://yourserver.com/techlink_webhook/.",
            "url" when first.Contains($"at most {RegistrationService.MaxUrlLength}", StringComparison.Ordinal) =>
                $"This URL is too long: it may have at most {RegistrationService.MaxUrlLength:N0} characters.",
            "description" => "Keep the description to 200 characters or fewer.",
            _ => null,
        };
        return [said ?? Sentence(field, first)];
    }

    // The API's words, or the portal's general rewording of them (PlainWords: "Enter an event type.").
    private static bool Missing(string message) =>
        message.Contains("is required", StringComparison.Ordinal) || message.Contains("may not be empty", StringComparison.Ordinal)
        || message.StartsWith("Enter ", StringComparison.Ordinal);

    /// <summary>"'url' must be an absolute URL, ..." or "url must use http or https" → "The URL must ...".</summary>
    private static string Sentence(string field, string message)
    {
        var name = field switch { "url" => "The URL", "token" => "The token", "type" => "The type", _ => "This value" };
        foreach (var start in new[] { $"'{field}' ", $"{field} " })
        {
            if (message.StartsWith(start, StringComparison.OrdinalIgnoreCase)) return name + message[(start.Length - 1)..];
        }

        return message.Replace($"'{field}'", name.ToLowerInvariant(), StringComparison.Ordinal);
    }
}
