using System.Globalization;
using System.Text.RegularExpressions;

namespace TechLink.Server.Portal;

/// <summary>
/// The API's field messages ("'tech_name' is required.") said to a person filling in a form ("Enter the technician's
/// name."): the API names fields as its JSON does, which means nothing next to a labelled input. One field's messages
/// that say the same thing in two ways ("is required" and "may not be empty") become one.
/// </summary>
public static partial class PlainWords
{
    private static readonly Dictionary<string, (string Article, string Noun)> Fields = new(StringComparer.Ordinal)
    {
        ["title"] = ("a", "title"), ["name"] = ("a", "name"), ["content"] = ("a", "note"), ["question"] = ("a", "question"),
        ["answer"] = ("an", "answer"), ["tech_name"] = ("the", "technician's name"), ["tech_phone"] = ("the", "technician's phone"),
        ["start"] = ("the", "install time"), ["due"] = ("the", "due date"), ["timezone"] = ("a", "time zone"),
        ["username"] = ("a", "username"), ["email"] = ("an", "e-mail address"), ["first_name"] = ("a", "first name"),
        ["last_name"] = ("a", "last name"), ["phone"] = ("a", "phone number"), ["password"] = ("a", "password"),
        ["url"] = ("a", "URL"), ["token"] = ("a", "token"), ["type"] = ("an", "event type"), ["site_id"] = ("a", "site"),
        ["client_reference"] = ("a", "client reference"), ["description"] = ("a", "description"), ["priority"] = ("a", "priority"),
        ["disposition"] = ("a", "check-out disposition"), ["file"] = ("a", "file"), ["status_code"] = ("a", "status"),
        ["status"] = ("a", "status"), ["site_number"] = ("a", "site number"), ["address1"] = ("an", "address"),
        ["address2"] = ("a", "second address line"), ["city"] = ("a", "city"), ["state"] = ("a", "state"),
        ["postal_code"] = ("a", "postal code"), ["country"] = ("a", "country"), ["contact_name"] = ("a", "contact name"),
        ["since"] = ("a", "start"), ["until"] = ("an", "end"), ["company_id"] = ("a", "company"),
    };

    /// <summary>The messages of one field in plain words, each said once.</summary>
    public static string[] Rewrite(string field, IEnumerable<string> messages) =>
        [.. messages.Select(m => Rewrite(field, m)).Distinct(StringComparer.Ordinal)];

    public static string Rewrite(string field, string message)
    {
        var (article, noun) = Describe(field);
        var quoted = $"'{field}'";
        if (!message.StartsWith(quoted, StringComparison.Ordinal)) return Others(message);
        var rest = message[quoted.Length..].Trim();
        if (rest.StartsWith("is required", StringComparison.Ordinal) || rest.StartsWith("may not be empty", StringComparison.Ordinal))
        {
            // "is required (an IANA name ...)." keeps its explanation; "is required." and "may not be empty." say the same.
            var tail = rest.StartsWith("is required", StringComparison.Ordinal) ? rest["is required".Length..] : "";
            tail = tail.TrimEnd('.');
            tail = tail.StartsWith(": ", StringComparison.Ordinal) ? ": " + tail[2..] : tail;
            return $"Enter {article} {noun}{Others(tail)}.";
        }

        if (AtMost().Match(rest) is { Success: true } max) return $"Use at most {max.Groups[1].Value} characters.";
        if (rest.StartsWith("contains control characters", StringComparison.Ordinal)) return "Remove the invisible control characters (pasted from elsewhere?).";
        if (rest.StartsWith("is not an e-mail address", StringComparison.Ordinal)) return "Enter an e-mail address such as name@example.com.";
        return "The " + noun + " " + Others(rest);
    }

    /// <summary>Other fields a message names ("'until' must be later than 'since'") by their words too.</summary>
    private static string Others(string text) =>
        Quoted().Replace(text, m => Fields.TryGetValue(m.Groups[1].Value, out var f) ? "the " + f.Noun : m.Value);

    private static (string Article, string Noun) Describe(string field) =>
        Fields.TryGetValue(field, out var known) ? known
            : ("a", CultureInfo.InvariantCulture.TextInfo.ToLower(field.Replace('_', ' ').Replace('.', ' ')));

    [GeneratedRegex(@"^must be at most (\d+) characters", RegexOptions.CultureInvariant)]
    private static partial Regex AtMost();

    [GeneratedRegex(@"'([a-z_]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();
}
