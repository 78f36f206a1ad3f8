using System.Text.Json.Nodes;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// What <c>/openapi/v1.json</c> says of every <c>/api/v1</c> operation: a 2xx with its schema, the problem answers it
/// really gives, and request bodies that require only what the validators refuse when absent. (The document does not
/// depend on the database: SQLite only; <see cref="OpenApiAnswersTests"/> checks real answers on both.)
/// </summary>
public sealed class OpenApiDocumentTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    private static readonly HashSet<string> StaffOnly =
    [
        "POST /api/v1/companies", "GET /api/v1/companies", "POST /api/v1/companies/{company_id}/api-keys", "GET /api/v1/companies/{company_id}/api-keys",
        "DELETE /api/v1/companies/{company_id}/api-keys/{api_key_id}", "POST /api/v1/workorders/{workorder_id}/status",
        "POST /api/v1/workorders/{workorder_id}/schedule", "POST /api/v1/workorders/{workorder_id}/assign", "POST /api/v1/workorders/{workorder_id}/check-in",
        "POST /api/v1/workorders/{workorder_id}/check-out", "POST /api/v1/workorders/{workorder_id}/close", "POST /api/v1/workorders/{workorder_id}/photos",
        "POST /api/v1/workorders/{workorder_id}/closeout-documents", "POST /api/v1/workorders/{workorder_id}/questions",
        "PUT /api/v1/workorders/{workorder_id}/questions/{question_id}/answer",
    ];

    [Fact]
    public async Task EveryOperation_DocumentsA2xx_WithItsSchema()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var operations = doc.ApiOperations();
        Assert.True(operations.Count >= 60, $"only {operations.Count} operations under /api/v1");

        foreach (var (path, method, operation) in operations)
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            var success = ApiDocument.Statuses(operation).Where(s => s.StartsWith('2')).ToList();
            Assert.True(success.Count == 1, $"{name} documents {success.Count} success codes: {string.Join(", ", ApiDocument.Statuses(operation))}");
            var answer = operation["responses"]![success[0]]!;
            if (success[0] == "204")
            {
                Assert.Null(answer["content"]);
                continue;
            }

            var content = answer["content"]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"{name} documents {success[0]} without a body");
            var (type, media) = Assert.Single(content);
            Assert.True(media?["schema"] is JsonObject { Count: > 0 }, $"{name}: {success[0]} {type} has no schema");
            if (path.EndsWith("/raw", StringComparison.Ordinal)) Assert.Equal("application/octet-stream", type);
            else Assert.Equal("application/json", type);
        }
    }

    [Fact]
    public async Task EveryOperation_DocumentsTheProblemsItAnswers()
    {
        var doc = await ApiDocument.LoadAsync(App);

        foreach (var (path, method, operation) in doc.ApiOperations())
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            var statuses = ApiDocument.Statuses(operation);
            Assert.Contains("401", statuses);
            Assert.Contains("429", statuses);
            Assert.Contains("503", statuses);
            Assert.Equal(path.Contains('{', StringComparison.Ordinal), statuses.Contains("404"));
            Assert.True(StaffOnly.Contains(name) == statuses.Contains("403"), $"{name}: 403 documented {statuses.Contains("403")}, staff only {StaffOnly.Contains(name)}");
            if (operation["requestBody"] is not null) Assert.True(statuses.Contains("400"), $"{name} takes a body but documents no 400");
            foreach (var problem in statuses.Where(s => s[0] is '4' or '5'))
            {
                Assert.True(operation["responses"]![problem]!["content"]?["application/problem+json"]?["schema"] is not null, $"{name}: {problem} is not a problem details body");
            }
        }

        // The answers with a status of their own, where the handler gives them.
        Assert.Contains("409", ApiDocument.Statuses(doc.Operation("/api/v1/webhooks", "post")));
        Assert.Contains("409", ApiDocument.Statuses(doc.Operation("/api/v1/workorders/{workorder_id}/close", "post")));
        Assert.Contains("409", ApiDocument.Statuses(doc.Operation("/api/v1/users", "post")));
        Assert.Contains("413", ApiDocument.Statuses(doc.Operation("/api/v1/workorders/{workorder_id}/photos", "post")));
        Assert.Contains("400", ApiDocument.Statuses(doc.Operation("/api/v1/workorders/{workorder_id}/photos", "post")));
        Assert.Contains("400", ApiDocument.Statuses(doc.Operation("/api/v1/sites", "get")));
        Assert.DoesNotContain("400", ApiDocument.Statuses(doc.Operation("/api/v1/sites/{site_id}", "get")));
        Assert.Equal("201", ApiDocument.Statuses(doc.Operation("/api/v1/sites", "post")).Single(s => s[0] == '2'));
        Assert.Equal("202", ApiDocument.Statuses(doc.Operation("/api/v1/webhooks/{webhook_id}/replay", "post")).Single(s => s[0] == '2'));
        Assert.Equal("204", ApiDocument.Statuses(doc.Operation("/api/v1/webhooks/{webhook_id}", "delete")).Single(s => s[0] == '2'));
    }

    [Fact]
    public async Task RequestBodies_RequireOnlyWhatTheServerRefusesAbsent()
    {
        var doc = await ApiDocument.LoadAsync(App);

        foreach (var (path, method, operation) in doc.ApiOperations().Where(o => o.Operation["requestBody"]?["content"]?["application/json"] is not null))
        {
            var schema = doc.RequestSchemaInlined(path, method);
            var record = schema["allOf"] is JsonArray all ? Assert.Single(all)!.AsObject() : schema;
            // A body the handler takes as optional: null or the record.
            if ((record["anyOf"] ?? record["oneOf"]) is JsonArray either) record = either.Single(s => s!["type"]?.ToString() != "null")!.AsObject();
            var properties = record["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
            Assert.True(record["required"] is null or JsonArray { Count: 0 }, $"{method} {path}: the record itself requires {record["required"]}");
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                Assert.Contains(required!.GetValue<string>(), properties);
            }
        }

        Assert.Equal(["type", "url"], Required(doc, "/api/v1/webhooks", "post"));
        Assert.Equal(["type", "url"], Required(doc, "/api/v1/webhooks/{webhook_id}", "put"));
        Assert.Empty(Required(doc, "/api/v1/webhooks/{webhook_id}", "patch"));
        Assert.Equal(["name", "timezone"], Required(doc, "/api/v1/sites", "post"));
        Assert.Empty(Required(doc, "/api/v1/sites/{site_id}", "patch"));
        Assert.Equal(["site_id", "title"], Required(doc, "/api/v1/workorders", "post"));
        Assert.Equal(["content"], Required(doc, "/api/v1/workorders/{workorder_id}/notes", "post"));
        Assert.Equal(["title"], Required(doc, "/api/v1/workorders/{workorder_id}/tasks", "post"));
        Assert.Empty(Required(doc, "/api/v1/workorders/{workorder_id}/tasks/{task_id}", "patch"));
    }

    [Fact]
    public async Task RequestSchemas_AcceptWhatTheServerAccepts_AndRefuseWhatItRefuses()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var create = doc.RequestSchema("/api/v1/webhooks", "post");
        var patch = doc.RequestSchema("/api/v1/webhooks/{webhook_id}", "patch");

        ApiDocument.AssertValid(create, ApiDocument.Element(new JsonObject { ["type"] = "site created", ["url"] = "https://example.com/hook" }), "POST /webhooks with type and url");
        ApiDocument.AssertValid(patch, ApiDocument.Element(new JsonObject { ["enabled"] = false }), "PATCH /webhooks with enabled only");
        Assert.False(ApiDocument.Evaluate(create, ApiDocument.Element(new JsonObject { ["url"] = "https://example.com/hook" })).IsValid);
        Assert.False(ApiDocument.Evaluate(create, ApiDocument.Element(new JsonObject { ["type"] = "site created", ["url"] = "https://example.com/hook", ["enabled"] = "yes" })).IsValid);
    }

    private static List<string> Required(ApiDocument doc, string path, string method) =>
        [.. (doc.RequestSchemaInlined(path, method)["required"]?.AsArray() ?? []).Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal)];
}
