extern alias JsonSchemaNet;

using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// The server's own <c>/openapi/v1.json</c>, read as a test reads it: its operations, and the schema of a response or a
/// request body as a JSON Schema 2020-12 (what OpenAPI 3.1 schemas are) with the <c>#/components/schemas</c> references
/// written out, ready to validate a real body.
/// </summary>
public sealed class ApiDocument(JsonObject root)
{
    private const string ComponentPrefix = "#/components/schemas/";

    public JsonObject Root { get; } = root;

    public static async Task<ApiDocument> LoadAsync(TechLinkApp app) =>
        new((await app.Anonymous().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!);

    /// <summary>Every operation under <c>/api/v1</c>: its path template, lower-case method and body.</summary>
    public IReadOnlyList<(string Path, string Method, JsonObject Operation)> ApiOperations() =>
    [
        .. Root["paths"]!.AsObject()
            .Where(p => p.Key.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject()
                .Where(m => m.Key is "get" or "post" or "put" or "patch" or "delete")
                .Select(m => (p.Key, m.Key, m.Value!.AsObject()))),
    ];

    public JsonObject Operation(string path, string method) =>
        Root["paths"]?[path]?[method]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} is not in the document");

    /// <summary>The documented status codes of an operation.</summary>
    public static IReadOnlyList<string> Statuses(JsonObject operation) => [.. operation["responses"]!.AsObject().Select(r => r.Key)];

    /// <summary>The schema of the answer with <paramref name="status"/> in <paramref name="contentType"/>, or null when the document gives none.</summary>
    public JsonNode? ResponseSchemaNode(string path, string method, int status, string contentType = "application/json") =>
        Operation(path, method)["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?[contentType]?["schema"];

    public JsonSchema ResponseSchema(string path, string method, int status, string contentType = "application/json") =>
        ToSchema(ResponseSchemaNode(path, method, status, contentType)
                 ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} documents no {contentType} schema for {status}"));

    public JsonSchema RequestSchema(string path, string method) =>
        ToSchema(Operation(path, method)["requestBody"]?["content"]?["application/json"]?["schema"]
                 ?? throw new Xunit.Sdk.XunitException($"{method.ToUpperInvariant()} {path} documents no JSON request body"));

    /// <summary>The request body schema with its references written out (for reading <c>required</c> and <c>properties</c>).</summary>
    public JsonObject RequestSchemaInlined(string path, string method) =>
        Inline(Operation(path, method)["requestBody"]!["content"]!["application/json"]!["schema"]!, 0).AsObject();

    public JsonSchema ToSchema(JsonNode node) => JsonSchema.FromText(Inline(node, 0).ToJsonString());

    public static EvaluationResults Evaluate(JsonSchema schema, JsonElement body) =>
        schema.Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });

    public static void AssertValid(JsonSchema schema, JsonElement body, string what)
    {
        var result = Evaluate(schema, body);
        Assert.True(result.IsValid, $"{what}: {Errors(result)}\n{body.GetRawText()[..Math.Min(body.GetRawText().Length, 2000)]}");
    }

    public static JsonElement Element(JsonNode node) => JsonSerializer.SerializeToElement(node);

    private JsonNode Inline(JsonNode node, int references)
    {
        switch (node)
        {
            case JsonObject o when o["$ref"]?.GetValue<string>() is { } reference:
                Assert.True(references < 30, "schema references nest too deeply (a cycle?)");
                Assert.StartsWith(ComponentPrefix, reference, StringComparison.Ordinal);
                var target = Root["components"]?["schemas"]?[reference[ComponentPrefix.Length..]] ?? throw new Xunit.Sdk.XunitException($"{reference} is not in components");
                return Inline(target, references + 1);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o) copy[key] = value is null ? null : Inline(value, references);
                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(v => v is null ? null : Inline(v, references))]);
            default:
                return node.DeepClone();
        }
    }

    private static string Errors(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
}
