using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>Small helpers to read answers as JSON and fail with the body in the message.</summary>
public static class Json
{
    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await client.GetAsync(path)).ReadAsync(expected);

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string path, object? body, HttpStatusCode expected) =>
        await (await client.PostAsJsonAsync(path, body)).ReadAsync(expected);

    public static async Task<JsonElement> PatchJsonAsync(this HttpClient client, string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await client.PatchAsJsonAsync(path, body)).ReadAsync(expected);

    public static async Task<JsonElement> PutJsonAsync(this HttpClient client, string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await client.PutAsJsonAsync(path, body)).ReadAsync(expected);

    public static string Str(this JsonElement e, string property) =>
        e.GetProperty(property).GetString() ?? throw new InvalidOperationException($"'{property}' is null in {e}");

    public static IReadOnlyList<JsonElement> Items(this JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    public static IReadOnlyList<string> Names(this JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    public static bool JsonEquals(JsonElement a, JsonElement b) => JsonNode.DeepEquals(JsonNode.Parse(a.GetRawText()), JsonNode.Parse(b.GetRawText()));

    public static bool JsonEquals(string a, JsonElement b) => JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b.GetRawText()));

    public static void AssertJsonEqual(JsonElement expected, JsonElement actual) =>
        Assert.True(JsonEquals(expected, actual), $"JSON differs.\nexpected: {expected}\nactual:   {actual}");

    /// <summary>The object without the named properties (the freshly signed url fields of photos and documents).</summary>
    public static JsonElement Without(this JsonElement e, params string[] names)
    {
        var node = JsonNode.Parse(e.GetRawText())!.AsObject();
        foreach (var name in names) node.Remove(name);
        return JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
    }

    /// <summary>Asserts 400 problem details whose <c>errors</c> names <paramref name="field"/>.</summary>
    public static async Task AssertValidationAsync(this HttpResponseMessage response, string field)
    {
        var body = await response.ReadAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        Assert.True(body.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"expected errors[{field}] in {body}");
    }
}
