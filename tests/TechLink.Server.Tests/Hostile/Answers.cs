using System.Net.Http.Headers;
using System.Text.Json;

namespace TechLink.Server.Tests.Hostile;

/// <summary>What every API answer must be, whatever was sent: no 5xx, no redirect, and every 4xx a problem details body.</summary>
public static class Answers
{
    /// <summary>The reasons <paramref name="response"/> breaks the rules (empty when it keeps them); reads the body once.</summary>
    public static async Task<(List<string> Faults, JsonElement? Problem)> CheckAsync(HttpResponseMessage response)
    {
        var faults = new List<string>();
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500) faults.Add($"answered {status}");
        if (status is >= 300 and < 400) faults.Add($"redirected ({status} to {response.Headers.Location})");
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType == "text/html" || text.TrimStart().StartsWith('<')) faults.Add("answered HTML");
        if (status < 400) return (faults, null);

        // A refusal is short: one that echoes a megabyte of input back is an amplifier.
        if (text.Length > MaxProblemLength) faults.Add($"{status} problem of {text.Length:N0} characters (more than {MaxProblemLength:N0}): {Cut(text)}");
        if (mediaType != "application/problem+json") faults.Add($"{status} with Content-Type '{mediaType}', not application/problem+json");
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            faults.Add($"{status} whose body is not JSON: {Cut(text)}");
            return (faults, null);
        }

        if (problem.ValueKind != JsonValueKind.Object)
        {
            faults.Add($"{status} whose body is not a JSON object: {Cut(text)}");
            return (faults, null);
        }

        if (!problem.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || title.GetString()!.Length == 0)
        {
            faults.Add($"{status} problem without a title: {Cut(text)}");
        }

        if (!problem.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != status)
        {
            faults.Add($"{status} problem whose 'status' is not {status}: {Cut(text)}");
        }

        return (faults, problem);
    }

    /// <summary>Whether the problem's <c>errors</c> names <paramref name="field"/> ("*": any field).</summary>
    public static bool NamesField(JsonElement? problem, string field) =>
        problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
        && (field == "*" ? errors.EnumerateObject().Any() : errors.TryGetProperty(field, out _));

    public const int MaxProblemLength = 16 * 1024;

    /// <summary>"SQLite" or "PostgreSQL", as the reliability table names them.</summary>
    public static string Database(TechLink.Testing.Provider provider) => provider == TechLink.Testing.Provider.Sqlite ? "SQLite" : "PostgreSQL";

    public static string Cut(string text) => text.Length > 240 ? text[..240] + "…" : text;

    public static MediaTypeHeaderValue Json => new("application/json") { CharSet = "utf-8" };
}
