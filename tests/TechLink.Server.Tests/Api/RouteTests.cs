using System.Net;
using System.Net.Http.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>Happy paths of the contract's resources, cursor pagination and list filters.</summary>
public abstract class RouteTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task GetCompany_OwnClientAndStaff_AnswerSameCompany()
    {
        var tenant = await App.NewTenantAsync("Acme Retail");
        var own = await tenant.Client.GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}");
        var staff = await tenant.Staff.GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}");
        Assert.Equal("Acme Retail", own.Str("name"));
        Assert.Matches("^[0-9]+$", own.Str("company_id"));
        Json.AssertJsonEqual(own, staff);
    }

    [Fact]
    public async Task CreateApiKey_Staff_AnswersKeyOnceAndKeyWorks()
    {
        var tenant = await App.NewTenantAsync();
        var created = await tenant.Staff.PostJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys", new { name = "second" }, HttpStatusCode.Created);
        Assert.Matches("^[0-9]+$", created.Str("api_key_id"));
        var listed = await tenant.Staff.GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys");
        Assert.DoesNotContain(created.Str("key"), listed.GetRawText(), StringComparison.Ordinal);
        await App.WithKey(created.Str("key")).GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}");
    }

    [Fact]
    public async Task Users_CreateGetListUpdate_RoundTrip()
    {
        var tenant = await App.NewTenantAsync();
        var name = "jdoe" + Guid.NewGuid().ToString("N")[..6];
        var created = await tenant.Client.PostJsonAsync("/api/v1/users",
            new { username = name, first_name = "Jane", last_name = "Doe", email = "jane@example.com", phone = "555", password = "Correct-Horse-42" }, HttpStatusCode.Created);
        Assert.Equal(tenant.CompanyId, created.Str("company_id"));
        Assert.False(created.TryGetProperty("password", out _));
        Json.AssertJsonEqual(created, await tenant.Client.GetJsonAsync($"/api/v1/users/{created.Str("user_id")}"));
        var updated = await tenant.Client.PatchJsonAsync($"/api/v1/users/{created.Str("user_id")}", new { last_name = "Smith" });
        Assert.Equal("Smith", updated.Str("last_name"));
        Assert.Equal("Jane", updated.Str("first_name"));
        var list = await tenant.Client.GetJsonAsync("/api/v1/users");
        Json.AssertJsonEqual(updated, Assert.Single(list.Items()));
        var staffList = await tenant.Staff.GetJsonAsync($"/api/v1/users?company_id={tenant.CompanyId}");
        Json.AssertJsonEqual(updated, Assert.Single(staffList.Items()));
    }

    [Fact]
    public async Task StaffCreatesUser_WithCompanyId_BelongsToThatCompany()
    {
        var tenant = await App.NewTenantAsync();
        var user = await tenant.Staff.PostJsonAsync("/api/v1/users", new { company_id = tenant.CompanyId, username = "s" + Guid.NewGuid().ToString("N")[..8] }, HttpStatusCode.Created);
        Assert.Equal(tenant.CompanyId, user.Str("company_id"));
        await (await tenant.Staff.PostAsJsonAsync("/api/v1/users", new { username = "nobody" + Guid.NewGuid().ToString("N")[..6] })).AssertValidationAsync("company_id");
    }

    [Fact]
    public async Task Sites_CreateGetUpdate_RoundTrip()
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync("America/New_York", "Store #7");
        Assert.Equal("America/New_York", site.Str("timezone"));
        Json.AssertJsonEqual(site, await tenant.Client.GetJsonAsync($"/api/v1/sites/{site.Str("site_id")}"));
        var updated = await tenant.Client.PatchJsonAsync($"/api/v1/sites/{site.Str("site_id")}", new { city = "Boston" });
        Assert.Equal("Boston", updated.Str("city"));
        Assert.Equal("Store #7", updated.Str("name"));
    }

    [Fact]
    public async Task WorkOrders_CreateGetUpdateTimeline_RoundTrip()
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync();
        var wo = await tenant.CreateWorkOrderAsync(site.Str("site_id"));
        Assert.Equal("10", wo.Str("status_code"));
        Assert.Equal("Created", wo.Str("status"));
        var id = wo.Str("workorder_id");
        Json.AssertJsonEqual(wo, await tenant.Client.GetJsonAsync($"/api/v1/workorders/{id}"));
        var updated = await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{id}", new { title = "New title", priority = "urgent" });
        Assert.Equal("New title", updated.Str("title"));
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{id}/status", new { status_code = "60" }, HttpStatusCode.OK);
        var timeline = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{id}/timeline")).Items();
        Assert.Equal(["10", "60"], timeline.Select(t => t.Str("new_status_code")));
        Assert.Equal("10", timeline[1].Str("old_status_code"));
    }

    [Fact]
    public async Task Cancel_Client_AnswersCancelled()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var cancelled = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/cancel", null, HttpStatusCode.OK);
        Assert.Equal("105", cancelled.Str("status_code"));
        Assert.Equal("Cancelled", cancelled.Str("status"));
    }

    [Fact]
    public async Task Statuses_Any_AnswersTheSpecsTable()
    {
        var tenant = await App.NewTenantAsync();
        var items = (await tenant.Client.GetJsonAsync("/api/v1/statuses")).Items();
        Assert.Equal(22, items.Count);
        Assert.Equal(["10", "20", "22", "26", "28", "30", "40", "50", "55", "60", "70", "72", "75", "76", "77", "78", "80", "90", "92", "95", "100", "105"],
            items.Select(i => i.Str("code")));
        var scheduled = items.Single(i => i.Str("code") == "60");
        Assert.Equal("Scheduled", scheduled.Str("name"));
        Assert.Equal("The Site has been contacted and the work is scheduled.", scheduled.Str("description"));
        Assert.Equal("Off Site / Return Trip Required", items.Single(i => i.Str("code") == "78").Str("name"));
    }

    [Fact]
    public async Task Attachments_UploadListRaw_BytesComeBack()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var photo = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "rack.png", "Rack")).ReadAsync(HttpStatusCode.Created);
        Assert.Equal("Rack", photo.Str("caption"));
        Assert.Equal(Tenant.PngBytes.Length, photo.GetProperty("size_bytes").GetInt64());
        var raw = await tenant.Client.GetAsync($"/api/v1/workorders/{wo}/photos/{photo.Str("photo_id")}/raw");
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("image/png", raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Tenant.PngBytes, await raw.Content.ReadAsByteArrayAsync());

        var pdf = "%PDF-1.4 closeout"u8.ToArray();
        var closeout = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/closeout-documents", pdf, "application/pdf", "signoff.pdf")).ReadAsync(HttpStatusCode.Created);
        Assert.Equal(pdf, await tenant.Client.GetByteArrayAsync($"/api/v1/workorders/{wo}/closeout-documents/{closeout.Str("document_id")}/raw"));
        var text = "client doc"u8.ToArray();
        var doc = await (await tenant.UploadAsync(tenant.Client, $"/api/v1/workorders/{wo}/client-documents", text, "text/plain", "scope.txt")).ReadAsync(HttpStatusCode.Created);
        Assert.Equal(text, await tenant.Client.GetByteArrayAsync($"/api/v1/workorders/{wo}/client-documents/{doc.Str("document_id")}/raw"));
        Assert.Single((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/closeout-documents")).Items());
        Assert.Single((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/client-documents")).Items());
        // A photo id is not a document id: kinds do not mix.
        await (await tenant.Client.GetAsync($"/api/v1/workorders/{wo}/client-documents/{photo.Str("photo_id")}/raw")).ReadAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task QuestionsAndTasks_CreateAnswerUpdateDelete_RoundTrip()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var q = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "All tested?" }, HttpStatusCode.Created);
        Assert.Equal(JsonValueKindNull, q.GetProperty("answer").ValueKind);
        var answered = await tenant.Staff.PutJsonAsync($"/api/v1/workorders/{wo}/questions/{q.Str("question_id")}/answer", new { answer = "Yes" });
        Assert.Equal("Yes", answered.Str("answer"));
        Json.AssertJsonEqual(answered, Assert.Single((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/questions")).Items()));

        var task = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label", description = "d", due = "2026-12-01T17:00:00Z" }, HttpStatusCode.Created);
        Assert.Equal("2026-12-01T17:00:00Z", task.Str("due"));
        var done = await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}", new { status = "completed" });
        Assert.Equal("completed", done.Str("status"));
        Assert.NotEqual(JsonValueKindNull, done.GetProperty("completed_at").ValueKind);
        await (await tenant.Client.DeleteAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}")).ReadAsync(HttpStatusCode.NoContent);
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task ListSites_LimitAndCursor_WalksEveryItemOnceInOrder()
    {
        var tenant = await App.NewTenantAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add((await tenant.CreateSiteAsync("UTC")).Str("site_id"));
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await tenant.Client.GetJsonAsync("/api/v1/sites?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.True(page.Items().Count <= 2);
            seen.AddRange(page.Items().Select(s => s.Str("site_id")));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(3, pages);
        Assert.Equal(created, seen);
    }

    [Fact]
    public async Task ListWorkOrders_StatusSiteAndUpdatedSinceFilters_Narrow()
    {
        var tenant = await App.NewTenantAsync();
        var s1 = (await tenant.CreateSiteAsync()).Str("site_id");
        var s2 = (await tenant.CreateSiteAsync()).Str("site_id");
        var a = (await tenant.CreateWorkOrderAsync(s1)).Str("workorder_id");
        var b = (await tenant.CreateWorkOrderAsync(s2)).Str("workorder_id");
        var c = (await tenant.CreateWorkOrderAsync(s2)).Str("workorder_id");
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{b}/status", new { status_code = "60" }, HttpStatusCode.OK);

        static IEnumerable<string> Ids(System.Text.Json.JsonElement page) => page.Items().Select(w => w.Str("workorder_id"));
        Assert.Equal([b], Ids(await tenant.Client.GetJsonAsync("/api/v1/workorders?status_code=60")));
        Assert.Equal([a, c], Ids(await tenant.Client.GetJsonAsync("/api/v1/workorders?status_code=10")));
        Assert.Equal([a, b, c], Ids(await tenant.Client.GetJsonAsync("/api/v1/workorders?status_code=10,60")));
        Assert.Equal([b, c], Ids(await tenant.Client.GetJsonAsync($"/api/v1/workorders?site_id={s2}")));

        var updated = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{b}")).Str("updated_at");
        await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{c}", new { title = "touched" });
        var since = await tenant.Client.GetJsonAsync($"/api/v1/workorders?updated_since={Uri.EscapeDataString(updated)}");
        Assert.Contains(c, Ids(since));
        Assert.Contains(b, Ids(since));
        var future = await tenant.Client.GetJsonAsync($"/api/v1/workorders?updated_since={Uri.EscapeDataString(DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}");
        Assert.Empty(future.Items());
    }
}

public sealed class RouteTestsSqlite(AppFixture fixture) : RouteTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class RouteTestsPostgres(AppFixture fixture, PostgresFixture postgres) : RouteTests(fixture, postgres), IClassFixture<AppFixture>;
