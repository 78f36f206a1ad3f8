using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>401 without a valid key, 403 for clients on staff routes, 404 for another company's ids, on every route family.</summary>
public abstract class AccessTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    public static TheoryData<string, string> AllRoutes => new()
    {
        { "GET", "/api/v1/companies/1" }, { "POST", "/api/v1/companies" }, { "POST", "/api/v1/companies/1/api-keys" },
        { "GET", "/api/v1/users" }, { "POST", "/api/v1/users" }, { "PATCH", "/api/v1/users/1" },
        { "GET", "/api/v1/sites" }, { "GET", "/api/v1/sites/1" }, { "POST", "/api/v1/sites" }, { "PATCH", "/api/v1/sites/1" },
        { "GET", "/api/v1/workorders" }, { "GET", "/api/v1/workorders/1" }, { "POST", "/api/v1/workorders" }, { "PATCH", "/api/v1/workorders/1" },
        { "POST", "/api/v1/workorders/1/status" }, { "POST", "/api/v1/workorders/1/schedule" }, { "POST", "/api/v1/workorders/1/assign" },
        { "POST", "/api/v1/workorders/1/check-in" }, { "POST", "/api/v1/workorders/1/check-out" }, { "POST", "/api/v1/workorders/1/close" },
        { "POST", "/api/v1/workorders/1/cancel" }, { "GET", "/api/v1/workorders/1/notes" }, { "POST", "/api/v1/workorders/1/notes" },
        { "GET", "/api/v1/workorders/1/photos" }, { "POST", "/api/v1/workorders/1/photos" }, { "GET", "/api/v1/workorders/1/photos/1/raw" },
        { "GET", "/api/v1/workorders/1/questions" }, { "POST", "/api/v1/workorders/1/questions" }, { "PUT", "/api/v1/workorders/1/questions/1/answer" },
        { "GET", "/api/v1/workorders/1/closeout-documents" }, { "POST", "/api/v1/workorders/1/closeout-documents" },
        { "GET", "/api/v1/workorders/1/closeout-documents/1/raw" }, { "GET", "/api/v1/workorders/1/client-documents" },
        { "POST", "/api/v1/workorders/1/client-documents" }, { "GET", "/api/v1/workorders/1/client-documents/1/raw" },
        { "GET", "/api/v1/workorders/1/tasks" }, { "POST", "/api/v1/workorders/1/tasks" }, { "PATCH", "/api/v1/workorders/1/tasks/1" },
        { "DELETE", "/api/v1/workorders/1/tasks/1" }, { "GET", "/api/v1/statuses" },
        { "GET", "/api/v1/webhooks/event-types" }, { "GET", "/api/v1/webhooks" }, { "POST", "/api/v1/webhooks" }, { "GET", "/api/v1/webhooks/1" },
        { "PUT", "/api/v1/webhooks/1" }, { "PATCH", "/api/v1/webhooks/1" }, { "DELETE", "/api/v1/webhooks/1" }, { "POST", "/api/v1/webhooks/1/test" },
        { "GET", "/api/v1/webhooks/1/secret" }, { "POST", "/api/v1/webhooks/1/secret/rotate" }, { "GET", "/api/v1/webhooks/deliveries" },
        { "GET", "/api/v1/webhooks/deliveries/1" }, { "POST", "/api/v1/webhooks/deliveries/1/redeliver" }, { "GET", "/api/v1/events" },
    };

    private static HttpRequestMessage Request(string method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is not "GET" and not "DELETE") request.Content = JsonContent.Create(body ?? new { });
        return request;
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_NoKey_Answers401ProblemWithChallenge(string method, string path)
    {
        using var response = await App.Anonymous().SendAsync(Request(method, path));
        await response.ReadAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_UnknownKey_Answers401(string method, string path)
    {
        using var response = await App.WithKey("tlk_this_key_was_never_issued").SendAsync(Request(method, path));
        await response.ReadAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnyRoute_RevokedKey_Answers401()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.Client.GetJsonAsync("/api/v1/sites");
        var keys = await tenant.Staff.GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys");
        var keyId = keys.Items().Single().Str("api_key_id");
        (await tenant.Staff.DeleteAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys/{keyId}")).EnsureSuccessStatusCode();
        await (await tenant.Client.GetAsync("/api/v1/sites")).ReadAsync(HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string, string> StaffOnlyRoutes => new()
    {
        { "POST", "/api/v1/companies" }, { "GET", "/api/v1/companies" }, { "POST", "/api/v1/companies/{company}/api-keys" },
        { "POST", "/api/v1/workorders/{wo}/status" }, { "POST", "/api/v1/workorders/{wo}/schedule" }, { "POST", "/api/v1/workorders/{wo}/assign" },
        { "POST", "/api/v1/workorders/{wo}/check-in" }, { "POST", "/api/v1/workorders/{wo}/check-out" }, { "POST", "/api/v1/workorders/{wo}/close" },
        { "POST", "/api/v1/workorders/{wo}/photos" }, { "POST", "/api/v1/workorders/{wo}/closeout-documents" },
        { "POST", "/api/v1/workorders/{wo}/questions" }, { "PUT", "/api/v1/workorders/{wo}/questions/{question}/answer" },
    };

    [Theory]
    [MemberData(nameof(StaffOnlyRoutes))]
    public async Task StaffOnlyRoute_ClientKeyOnOwnData_Answers403AndChangesNothing(string method, string template)
    {
        var world = await OwnWorldAsync();
        var before = await world.Tenant.Client.GetJsonAsync($"/api/v1/workorders/{world.WorkOrderId}");
        var eventsBefore = await world.Tenant.LastEventIdAsync();
        var path = template.Replace("{company}", world.Tenant.CompanyId).Replace("{wo}", world.WorkOrderId).Replace("{question}", world.QuestionId);
        var body = new { name = "x", status_code = "60", start = "2026-12-01 09:00:00", tech_name = "T", tech_phone = "1", disposition = "complete", question = "q?", answer = "a" };
        using var response = await world.Tenant.Client.SendAsync(Request(method, path, body));
        var problem = await response.ReadAsync(HttpStatusCode.Forbidden);
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Json.AssertJsonEqual(before, await world.Tenant.Client.GetJsonAsync($"/api/v1/workorders/{world.WorkOrderId}"));
        Assert.Empty(await world.Tenant.EventsAsync(eventsBefore));
    }

    private sealed record OwnWorld(Tenant Tenant, string WorkOrderId, string QuestionId);

    private Task<OwnWorld> OwnWorldAsync() => Fixture.SharedAsync("own", async () =>
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var q = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Tested?" }, HttpStatusCode.Created);
        return new OwnWorld(tenant, wo, q.Str("question_id"));
    });

    /// <summary>Company A's resources of every family, built once per class.</summary>
    private sealed record World(Tenant A, Tenant B, Dictionary<string, string> Ids);

    private Task<World> WorldAsync() => Fixture.SharedAsync("world", async () =>
    {
        var a = await App.NewTenantAsync();
        var b = await App.NewTenantAsync();
        var ids = new Dictionary<string, string> { ["{company}"] = a.CompanyId };
        // A registration pointing at a closed port: its deliveries exist (and fail), which is all the log needs.
        var webhook = await a.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/hook"));
        ids["{webhook}"] = webhook.Str("webhook_id");
        var user = await a.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..10], first_name = "A", last_name = "B", email = "a@example.com", phone = "1" }, HttpStatusCode.Created);
        ids["{user}"] = user.Str("user_id");
        var site = await a.CreateSiteAsync();
        ids["{site}"] = site.Str("site_id");
        var wo = (await a.CreateWorkOrderAsync(ids["{site}"])).Str("workorder_id");
        ids["{wo}"] = wo;
        ids["{note}"] = (await a.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "n" }, HttpStatusCode.Created)).Str("note_id");
        ids["{photo}"] = (await (await a.UploadAsync(a.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "p.png")).ReadAsync(HttpStatusCode.Created)).Str("photo_id");
        ids["{closeout}"] = (await (await a.UploadAsync(a.Staff, $"/api/v1/workorders/{wo}/closeout-documents", "%PDF-1.4"u8.ToArray(), "application/pdf", "c.pdf")).ReadAsync(HttpStatusCode.Created)).Str("document_id");
        ids["{clientdoc}"] = (await (await a.UploadAsync(a.Client, $"/api/v1/workorders/{wo}/client-documents", "hello"u8.ToArray(), "text/plain", "d.txt")).ReadAsync(HttpStatusCode.Created)).Str("document_id");
        ids["{question}"] = (await a.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Q?" }, HttpStatusCode.Created)).Str("question_id");
        ids["{task}"] = (await a.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "t" }, HttpStatusCode.Created)).Str("task_id");
        ids["{delivery}"] = (await a.DeliveriesAsync()).First().Str("delivery_id");
        return new World(a, b, ids);
    });

    public static TheoryData<string, string> CompanyScopedRoutes => new()
    {
        { "GET", "/api/v1/companies/{company}" },
        { "GET", "/api/v1/users/{user}" }, { "PATCH", "/api/v1/users/{user}" },
        { "GET", "/api/v1/sites/{site}" }, { "PATCH", "/api/v1/sites/{site}" },
        { "GET", "/api/v1/workorders/{wo}" }, { "PATCH", "/api/v1/workorders/{wo}" }, { "GET", "/api/v1/workorders/{wo}/timeline" },
        { "POST", "/api/v1/workorders/{wo}/cancel" },
        { "GET", "/api/v1/workorders/{wo}/notes" }, { "POST", "/api/v1/workorders/{wo}/notes" },
        { "GET", "/api/v1/workorders/{wo}/photos" }, { "GET", "/api/v1/workorders/{wo}/photos/{photo}/raw" },
        { "GET", "/api/v1/workorders/{wo}/questions" },
        { "GET", "/api/v1/workorders/{wo}/closeout-documents" }, { "GET", "/api/v1/workorders/{wo}/closeout-documents/{closeout}/raw" },
        { "GET", "/api/v1/workorders/{wo}/client-documents" }, { "GET", "/api/v1/workorders/{wo}/client-documents/{clientdoc}/raw" },
        { "POST", "/api/v1/workorders/{wo}/client-documents" },
        { "GET", "/api/v1/workorders/{wo}/tasks" }, { "POST", "/api/v1/workorders/{wo}/tasks" },
        { "PATCH", "/api/v1/workorders/{wo}/tasks/{task}" }, { "DELETE", "/api/v1/workorders/{wo}/tasks/{task}" },
        { "GET", "/api/v1/webhooks/{webhook}" }, { "PUT", "/api/v1/webhooks/{webhook}" }, { "PATCH", "/api/v1/webhooks/{webhook}" },
        { "DELETE", "/api/v1/webhooks/{webhook}" }, { "POST", "/api/v1/webhooks/{webhook}/test" },
        { "GET", "/api/v1/webhooks/{webhook}/secret" }, { "POST", "/api/v1/webhooks/{webhook}/secret/rotate" },
        { "GET", "/api/v1/webhooks/deliveries/{delivery}" }, { "POST", "/api/v1/webhooks/deliveries/{delivery}/redeliver" },
    };

    [Theory]
    [MemberData(nameof(CompanyScopedRoutes))]
    public async Task CompanyScopedRoute_OtherCompanysId_Answers404AsIfMissing(string method, string template)
    {
        var world = await WorldAsync();
        var path = world.Ids.Aggregate(template, (p, id) => p.Replace(id.Key, id.Value));
        var body = new { name = "x", title = "x", first_name = "x", content = "x", type = "(any webhooks)", url = "http://127.0.0.1:9/other", enabled = false };
        HttpResponseMessage response;
        if (path.EndsWith("/client-documents", StringComparison.Ordinal))
        {
            response = await world.B.UploadAsync(world.B.Client, path, "x"u8.ToArray(), "text/plain", "x.txt");
        }
        else
        {
            response = await world.B.Client.SendAsync(Request(method, path, body));
        }

        var problem = await response.ReadAsync(HttpStatusCode.NotFound);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());

        // The same path with an id that does not exist answers exactly alike.
        var missing = await world.A.Client.SendAsync(Request("GET", "/api/v1/workorders/999999999"));
        Assert.Equal(problem.GetProperty("title").GetString(), (await missing.ReadAsync(HttpStatusCode.NotFound)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CrossCompanyWrites_OtherCompany_LeaveOwnersDataAndFeedUnchanged()
    {
        var world = await WorldAsync();
        var ids = world.Ids;
        var webhookBefore = await world.A.Client.GetJsonAsync($"/api/v1/webhooks/{ids["{webhook}"]}");
        var workOrderBefore = await world.A.Client.GetJsonAsync($"/api/v1/workorders/{ids["{wo}"]}");
        var tasksBefore = await world.A.Client.GetJsonAsync($"/api/v1/workorders/{ids["{wo}"]}/tasks");
        await world.B.Client.DeleteAsync($"/api/v1/webhooks/{ids["{webhook}"]}");
        await world.B.Client.PostAsync($"/api/v1/workorders/{ids["{wo}"]}/cancel", null);
        await world.B.Client.DeleteAsync($"/api/v1/workorders/{ids["{wo}"]}/tasks/{ids["{task}"]}");
        await world.B.Client.PatchAsJsonAsync($"/api/v1/workorders/{ids["{wo}"]}", new { title = "hijacked" });

        // Its health follows the deliveries of the owner's own events, which may finish between the two reads.
        Json.AssertJsonEqual(webhookBefore.Without("health"), (await world.A.Client.GetJsonAsync($"/api/v1/webhooks/{ids["{webhook}"]}")).Without("health"));
        Json.AssertJsonEqual(workOrderBefore, await world.A.Client.GetJsonAsync($"/api/v1/workorders/{ids["{wo}"]}"));
        Json.AssertJsonEqual(tasksBefore, await world.A.Client.GetJsonAsync($"/api/v1/workorders/{ids["{wo}"]}/tasks"));
        Assert.Empty(await world.B.EventsAsync());
    }

    [Theory]
    [InlineData("/api/v1/users")]
    [InlineData("/api/v1/sites")]
    [InlineData("/api/v1/workorders")]
    [InlineData("/api/v1/webhooks")]
    [InlineData("/api/v1/webhooks/deliveries")]
    [InlineData("/api/v1/events")]
    public async Task List_OtherCompanyHasData_ShowsOnlyOwn(string path)
    {
        var world = await WorldAsync();
        Assert.NotEmpty((await world.A.Client.GetJsonAsync(path)).Items());
        Assert.Empty((await world.B.Client.GetJsonAsync(path)).Items());
    }

    [Fact]
    public async Task CreateWorkOrder_OtherCompanysSite_Answers400OnSiteIdAndCreatesNothing()
    {
        var world = await WorldAsync();
        var response = await world.B.Client.PostAsJsonAsync("/api/v1/workorders", new { site_id = world.Ids["{site}"], title = "x" });
        await response.AssertValidationAsync("site_id");
        Assert.Empty((await world.B.Client.GetJsonAsync("/api/v1/workorders")).Items());
    }

    [Fact]
    public async Task ClientCreate_CompanyIdInBody_IsIgnoredForOwnCompany()
    {
        var world = await WorldAsync();
        var site = await world.B.Client.PostJsonAsync("/api/v1/sites", new { company_id = world.A.CompanyId, name = "mine", timezone = "UTC" }, HttpStatusCode.Created);
        Assert.Equal(world.B.CompanyId, site.Str("company_id"));
    }
}

public sealed class AccessTestsSqlite(AppFixture fixture) : AccessTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class AccessTestsPostgres(AppFixture fixture, PostgresFixture postgres) : AccessTests(fixture, postgres), IClassFixture<AppFixture>;
