using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// Real answers of the server validated against the schemas <c>/openapi/v1.json</c> documents for them: every JSON GET
/// under <c>/api/v1</c> (with real ids, as a client and as staff), a few writes, and a 400 and a 404 problem body.
/// </summary>
public abstract partial class OpenApiAnswersTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task EveryJsonGet_RealAnswer_MatchesItsDocumentedSchema()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var (tenant, ids) = await WorldAsync();
        var gets = doc.ApiOperations().Where(o => o.Method == "get" && doc.ResponseSchemaNode(o.Path, "get", 200) is not null).ToList();
        Assert.True(gets.Count >= 24, $"only {gets.Count} JSON GETs documented");

        foreach (var (path, _, _) in gets)
        {
            var url = ParameterPattern().Replace(path, m => ids.TryGetValue(m.Groups[1].Value, out var id) ? id : throw new Xunit.Sdk.XunitException($"no id for {m.Value} in {path}"));
            var schema = doc.ResponseSchema(path, "get", 200);
            var answered = 0;
            foreach (var (who, client) in new[] { ("client", tenant.Client), ("staff", tenant.Staff) })
            {
                using var response = await client.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.Forbidden && who == "client") continue;
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} as {who}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                ApiDocument.AssertValid(schema, body, $"GET {url} as {who}");
                answered++;
            }

            Assert.True(answered > 0, $"GET {path} answered nobody");
        }
    }

    [Fact]
    public async Task Writes_RealAnswers_MatchTheirDocumentedSchemas()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var tenant = await App.NewTenantAsync();

        var site = await tenant.CreateSiteAsync();
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/sites", "post", 201), site, "POST /sites");
        var patched = await tenant.Client.PatchJsonAsync($"/api/v1/sites/{site.Str("site_id")}", new { city = "Tacoma" });
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/sites/{site_id}", "patch", 200), patched, "PATCH /sites/{id}");

        var workOrder = await tenant.CreateWorkOrderAsync(site.Str("site_id"));
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/workorders", "post", 201), workOrder, "POST /workorders");
        var wo = workOrder.Str("workorder_id");
        var note = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "Gate code 1234" }, HttpStatusCode.Created);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/workorders/{workorder_id}/notes", "post", 201), note, "POST notes");
        var closed = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/cancel", null, HttpStatusCode.OK);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/workorders/{workorder_id}/cancel", "post", 200), closed, "POST cancel");

        // Only what the document requires: the server takes it (company, token and enabled left out).
        var minimal = new JsonObject { ["type"] = "site created", ["url"] = "http://127.0.0.1:9/hook" };
        ApiDocument.AssertValid(doc.RequestSchema("/api/v1/webhooks", "post"), ApiDocument.Element(minimal), "the minimal webhook request");
        var webhook = await tenant.Client.PostJsonAsync("/api/v1/webhooks", minimal, HttpStatusCode.Created);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/webhooks", "post", 201), webhook, "POST /webhooks");
        var replay = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{webhook.Str("webhook_id")}/replay", new { since = "2026-01-01T00:00:00Z" }, HttpStatusCode.Accepted);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/webhooks/{webhook_id}/replay", "post", 202), replay, "POST replay");
        using var deleted = await tenant.Client.DeleteAsync($"/api/v1/webhooks/{webhook.Str("webhook_id")}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Problems_RealAnswers_MatchTheDocumentedProblemSchemas()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var tenant = await App.NewTenantAsync();

        var invalid = await tenant.Client.PostJsonAsync("/api/v1/sites", new { name = "" }, HttpStatusCode.BadRequest);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("name", out _));
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/sites", "post", 400, "application/problem+json"), invalid, "POST /sites 400");

        var missing = await tenant.Client.GetJsonAsync("/api/v1/sites/999999999", HttpStatusCode.NotFound);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/sites/{site_id}", "get", 404, "application/problem+json"), missing, "GET /sites/{id} 404");

        var forbidden = await tenant.Client.PostJsonAsync("/api/v1/companies", new { name = "Mine" }, HttpStatusCode.Forbidden);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/companies", "post", 403, "application/problem+json"), forbidden, "POST /companies 403");

        using var anonymous = await App.Anonymous().GetAsync("/api/v1/sites");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        ApiDocument.AssertValid(doc.ResponseSchema("/api/v1/sites", "get", 401, "application/problem+json"), await anonymous.Content.ReadFromJsonAsync<JsonElement>(), "GET /sites 401");
    }

    [Fact]
    public async Task BodiesOfTheWrongShape_FailTheirSchemas()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var tenant = await App.NewTenantAsync();
        var site = JsonNode.Parse((await tenant.CreateSiteAsync()).GetRawText())!.AsObject();
        var schema = doc.ResponseSchema("/api/v1/sites/{site_id}", "get", 200);
        ApiDocument.AssertValid(schema, ApiDocument.Element(site), "the site as answered");

        var numericId = site.DeepClone().AsObject();
        numericId["site_id"] = 42;
        var noTimezone = site.DeepClone().AsObject();
        noTimezone.Remove("timezone");
        var page = doc.ResponseSchema("/api/v1/sites", "get", 200);
        var notAPage = new JsonObject { ["items"] = new JsonArray(numericId.DeepClone()), ["next_cursor"] = null };

        Assert.False(ApiDocument.Evaluate(schema, ApiDocument.Element(numericId)).IsValid);
        Assert.False(ApiDocument.Evaluate(schema, ApiDocument.Element(noTimezone)).IsValid);
        Assert.False(ApiDocument.Evaluate(page, ApiDocument.Element(notAPage)).IsValid);
        Assert.False(ApiDocument.Evaluate(page, ApiDocument.Element(site)).IsValid);
        var problem = doc.ResponseSchema("/api/v1/sites", "post", 400, "application/problem+json");
        Assert.False(ApiDocument.Evaluate(problem, ApiDocument.Element(new JsonObject { ["status"] = "bad", ["errors"] = new JsonObject { ["name"] = "not a list" } })).IsValid);
    }

    /// <summary>
    /// The fields an operation documents as required are exactly those the server refuses absent: a body of only those
    /// is taken, and a body without any one of them answers 400 naming it.
    /// </summary>
    [Fact]
    public async Task DocumentedRequiredFields_AreExactlyWhatTheServerRefusesAbsent()
    {
        var doc = await ApiDocument.LoadAsync(App);
        var t = await App.NewTenantAsync();
        var site = (await t.CreateSiteAsync()).Str("site_id");
        var wo = (await t.CreateWorkOrderAsync(site)).Str("workorder_id");
        var hook = (await t.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/hook"))).Str("webhook_id");
        var values = new Dictionary<string, Func<JsonNode>>
        {
            ["name"] = () => "Name " + Guid.NewGuid().ToString("N")[..6], ["timezone"] = () => "America/New_York", ["site_id"] = () => site,
            ["title"] = () => "Title", ["content"] = () => "Content", ["type"] = () => "site created", ["url"] = () => "http://127.0.0.1:9/other",
            ["username"] = () => "u" + Guid.NewGuid().ToString("N")[..10], ["question"] = () => "Q?", ["status_code"] = () => "20",
            ["since"] = () => "2026-01-01T00:00:00Z",
        };
        var cases = new (string Template, string Url, HttpClient Client)[]
        {
            ("/api/v1/sites", "/api/v1/sites", t.Client), ("/api/v1/workorders", "/api/v1/workorders", t.Client),
            ("/api/v1/workorders/{workorder_id}/notes", $"/api/v1/workorders/{wo}/notes", t.Client),
            ("/api/v1/workorders/{workorder_id}/tasks", $"/api/v1/workorders/{wo}/tasks", t.Client),
            ("/api/v1/webhooks", "/api/v1/webhooks", t.Client), ("/api/v1/users", "/api/v1/users", t.Client),
            ("/api/v1/webhooks/{webhook_id}/replay", $"/api/v1/webhooks/{hook}/replay", t.Client),
            ("/api/v1/workorders/{workorder_id}/questions", $"/api/v1/workorders/{wo}/questions", t.Staff),
            ("/api/v1/workorders/{workorder_id}/status", $"/api/v1/workorders/{wo}/status", t.Staff),
            ("/api/v1/companies", "/api/v1/companies", t.Staff),
        };

        foreach (var (template, url, client) in cases)
        {
            var required = (doc.RequestSchemaInlined(template, "post")["required"]?.AsArray() ?? []).Select(r => r!.GetValue<string>()).ToList();
            Assert.NotEmpty(required);
            JsonObject Body(string? without) => new([.. required.Where(f => f != without).Select(f => KeyValuePair.Create(f, (JsonNode?)values[f]()))]);

            using (var taken = await client.PostAsJsonAsync(url, Body(null)))
            {
                Assert.True(taken.IsSuccessStatusCode, $"POST {url} with only {string.Join(", ", required)}: {(int)taken.StatusCode} {await taken.Content.ReadAsStringAsync()}");
            }

            foreach (var field in required)
            {
                using var refused = await client.PostAsJsonAsync(url, Body(field));
                var problem = await refused.ReadAsync(HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"POST {url} without {field}: {problem.GetRawText()}");
            }
        }
    }

    /// <summary>A company with one resource of every kind; the ids by the route parameter that names them.</summary>
    private Task<(Tenant Tenant, Dictionary<string, string> Ids)> WorldAsync() => Fixture.SharedAsync("openapi-world", async () =>
    {
        var t = await App.NewTenantAsync();
        var ids = new Dictionary<string, string> { ["company_id"] = t.CompanyId };
        // A registration pointing at a closed port: its deliveries exist (and fail), which is all the log needs.
        var webhook = await t.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/hook"));
        ids["webhook_id"] = webhook.Str("webhook_id");
        ids["user_id"] = (await t.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..10], email = "a@example.com" }, HttpStatusCode.Created)).Str("user_id");
        ids["site_id"] = (await t.CreateSiteAsync()).Str("site_id");
        var wo = ids["workorder_id"] = (await t.CreateWorkOrderAsync(ids["site_id"])).Str("workorder_id");
        await t.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "n" }, HttpStatusCode.Created);
        ids["photo_id"] = (await (await t.UploadAsync(t.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "p.png", "Front")).ReadAsync(HttpStatusCode.Created)).Str("photo_id");
        await (await t.UploadAsync(t.Staff, $"/api/v1/workorders/{wo}/closeout-documents", "%PDF-1.4"u8.ToArray(), "application/pdf", "c.pdf")).ReadAsync(HttpStatusCode.Created);
        ids["document_id"] = (await (await t.UploadAsync(t.Client, $"/api/v1/workorders/{wo}/client-documents", "hello"u8.ToArray(), "text/plain", "d.txt")).ReadAsync(HttpStatusCode.Created)).Str("document_id");
        var question = (await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Q?" }, HttpStatusCode.Created)).Str("question_id");
        await t.Staff.PutJsonAsync($"/api/v1/workorders/{wo}/questions/{question}/answer", new { answer = "Yes" });
        ids["task_id"] = (await t.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "t" }, HttpStatusCode.Created)).Str("task_id");
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "20" }, HttpStatusCode.OK);
        ids["delivery_id"] = (await t.DeliveriesAsync()).First().Str("delivery_id");
        ids["replay_id"] = (await t.Client.PostJsonAsync($"/api/v1/webhooks/{ids["webhook_id"]}/replay", new { since = "2026-01-01T00:00:00Z" }, HttpStatusCode.Accepted)).Str("replay_id");
        return (t, ids);
    });

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex ParameterPattern();
}

public sealed class OpenApiAnswersTestsSqlite(AppFixture fixture) : OpenApiAnswersTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class OpenApiAnswersTestsPostgres(AppFixture fixture, PostgresFixture postgres) : OpenApiAnswersTests(fixture, postgres), IClassFixture<AppFixture>;
