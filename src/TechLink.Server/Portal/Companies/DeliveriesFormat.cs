using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Companies;

/// <summary>
/// How the webhook pages show times and JSON. A time is "2 min ago" in a <c>&lt;time datetime&gt;</c> whose title is the
/// absolute UTC instant; <c>webhooks.js</c> puts the reader's own zone in the title and keeps the words current.
/// </summary>
public static class DeliveriesFormat
{
    /// <summary>JSON as sent: '+' of a signature and non-ASCII text stay as they are (the page encodes HTML itself).</summary>
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Pretty(JsonElement? json) => json is { } j ? JsonSerializer.Serialize(j, Indented) : "";

    /// <summary>Stored JSON text, indented and unescaped; text that is not JSON is shown as it is.</summary>
    public static string Pretty(string? json)
    {
        if (string.IsNullOrEmpty(json)) return "";
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    /// <summary>Headers stored as a JSON object, one <c>name: value</c> line each, exactly as sent or received.</summary>
    public static string HeaderLines(string? json)
    {
        if (string.IsNullOrEmpty(json)) return "";
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return Pretty(json);
            return string.Join('\n', doc.RootElement.EnumerateObject().Select(p =>
                $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.ValueKind == JsonValueKind.Array ? string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString())) : p.Value.ToString())}"));
        }
        catch (JsonException)
        {
            return json;
        }
    }

    public static IHtmlContent Time(string? instant, DateTime now) =>
        instant is not null && Formats.TryParseInstant(instant, out var at) ? Time(at, now) : new HtmlString("<span class=\"muted\">—</span>");

    public static IHtmlContent Time(DateTime? at, DateTime now)
    {
        if (at is not { } value) return new HtmlString("<span class=\"muted\">—</span>");
        var iso = Formats.Instant(value);
        return new HtmlString($"<time datetime=\"{iso}\" title=\"{iso} (UTC)\" data-relative>{HtmlEncoder.Default.Encode(Relative(value, now))}</time>");
    }

    /// <summary>"just now", "2 min ago", "3 h ago", "in 40 s", or the date for anything older than a week.</summary>
    public static string Relative(DateTime at, DateTime now)
    {
        var delta = now - at;
        var future = delta < TimeSpan.Zero;
        var span = future ? -delta : delta;
        string amount;
        if (span.TotalSeconds < 5) return "just now";
        else if (span.TotalSeconds < 60) amount = $"{(int)span.TotalSeconds} s";
        else if (span.TotalMinutes < 60) amount = $"{(int)span.TotalMinutes} min";
        else if (span.TotalHours < 24) amount = $"{(int)span.TotalHours} h";
        else if (span.TotalDays < 7) amount = $"{(int)span.TotalDays} d";
        else return at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return future ? $"in {amount}" : $"{amount} ago";
    }

    public static string StatusClass(string status) => status switch { "succeeded" => "ok", "failed" => "bad", _ => "wait" };
}
