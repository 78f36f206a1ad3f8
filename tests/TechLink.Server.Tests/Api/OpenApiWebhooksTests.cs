extern alias JsonSchemaNet;

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;
using TechLink.Server.Tests.Infrastructure;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// The OpenAPI 3.1 <c>webhooks</c> section, generated from the event records: every event type, and every record's real
/// sample valid against the schema the document gives for it. (The document does not depend on the database: SQLite only.)
/// </summary>
public sealed class OpenApiWebhooksTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    [Fact]
    public async Task Webhooks_ListTheEventTypes_InSpecOrder()
    {
        var doc = await DocumentAsync();

        Assert.StartsWith("3.1", doc["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TechLinkEventTypes.All, doc["webhooks"]!.AsObject().Select(w => w.Key));
        Assert.All(TechLinkEventTypes.Definitions, d => Assert.Equal(d.Description, doc["webhooks"]![d.Name]!["post"]!["description"]!.GetValue<string>()[..d.Description.Length]));
    }

    [Fact]
    public async Task Webhooks_EverySample_ValidatesAgainstItsSchema()
    {
        var doc = await DocumentAsync();

        foreach (var definition in TechLinkEventTypes.Definitions)
        {
            var schema = SchemaFor(doc, definition.Name);
            var result = schema.Evaluate(System.Text.Json.JsonDocument.Parse(definition.SampleJson).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{definition.Name}: {Errors(result)}");
        }
    }

    [Fact]
    public async Task Webhooks_BodyOfTheWrongShape_FailsItsSchema()
    {
        var doc = await DocumentAsync();
        var schema = SchemaFor(doc, TechLinkEventTypes.WorkOrderStatusChange);

        var wrongType = JsonNode.Parse(TechLinkEventTypes.Find(TechLinkEventTypes.WorkOrderStatusChange)!.SampleJson)!;
        wrongType["workorder_id"] = 123456;
        var photo = JsonNode.Parse(TechLinkEventTypes.Find(TechLinkEventTypes.WorkOrderPhotoAdded)!.SampleJson)!;
        photo["data"]!["size_bytes"] = "big";

        Assert.False(schema.Evaluate(System.Text.Json.JsonSerializer.SerializeToElement(wrongType)).IsValid);
        Assert.False(SchemaFor(doc, TechLinkEventTypes.WorkOrderPhotoAdded).Evaluate(System.Text.Json.JsonSerializer.SerializeToElement(photo)).IsValid);
    }

    private async Task<JsonObject> DocumentAsync() =>
        (await App.Anonymous().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

    /// <summary>The webhook's request body schema with its component references written out (no resolver needed).</summary>
    private static JsonSchema SchemaFor(JsonObject doc, string eventType)
    {
        var body = doc["webhooks"]![eventType]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        var inlined = Inline(body, doc["components"]!["schemas"]!.AsObject(), 0);
        return JsonSchema.FromText(inlined.ToJsonString());
    }

    private static JsonNode Inline(JsonNode node, JsonObject components, int depth)
    {
        Assert.True(depth < 20, "schema references nest too deeply");
        switch (node)
        {
            case JsonObject o when o["$ref"]?.GetValue<string>() is { } reference:
                const string prefix = "#/components/schemas/";
                Assert.StartsWith(prefix, reference, StringComparison.Ordinal);
                var target = components[reference[prefix.Length..]] ?? throw new Xunit.Sdk.XunitException($"{reference} is not in components");
                return Inline(target, components, depth + 1);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o) copy[key] = value is null ? null : Inline(value, components, depth + 1);
                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(v => v is null ? null : Inline(v, components, depth + 1))]);
            default:
                return node.DeepClone();
        }
    }

    private static string Errors(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
}
