using System.Net;
using System.Net.Http.Json;
using System.Text;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>Bad input answers 400 naming the field (or 413/415 for uploads), never 500, and changes nothing.</summary>
public abstract class ValidationTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private Task<(Tenant Tenant, string SiteId, string WorkOrderId)> WorldAsync() => Fixture.SharedAsync("world", async () =>
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync();
        var wo = await tenant.CreateWorkOrderAsync(site.Str("site_id"));
        return (tenant, site.Str("site_id"), wo.Str("workorder_id"));
    });

    private static StringContent RawJson(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task CreateSite_UnknownTimezone_Answers400OnTimezone()
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/sites", new { name = "x", timezone = "Mars/Olympus_Mons" })).AssertValidationAsync("timezone");
    }

    [Fact]
    public async Task CreateSite_MissingTimezone_Answers400OnTimezone()
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/sites", new { name = "x" })).AssertValidationAsync("timezone");
    }

    [Fact]
    public async Task CreateWorkOrder_MissingTitle_Answers400OnTitleAndWritesNoEvent()
    {
        var (tenant, site, _) = await WorldAsync();
        var since = await tenant.LastEventIdAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/workorders", new { site_id = site })).AssertValidationAsync("title");
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task CreateWorkOrder_UnknownPriority_Answers400OnPriority()
    {
        var (tenant, site, _) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/workorders", new { site_id = site, title = "x", priority = "whenever" })).AssertValidationAsync("priority");
    }

    [Fact]
    public async Task CreateWorkOrder_TitleIsNumber_Answers400OnTitle()
    {
        var (tenant, site, _) = await WorldAsync();
        await (await tenant.Client.PostAsync("/api/v1/workorders", RawJson($$"""{"site_id":"{{site}}","title":5}"""))).AssertValidationAsync("title");
    }

    [Fact]
    public async Task CreateWorkOrder_MalformedJson_Answers400OnBody()
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.PostAsync("/api/v1/workorders", RawJson("{\"title\": \"x\","))).AssertValidationAsync("body");
    }

    [Theory]
    [InlineData("\"999\"")]
    [InlineData("\"abc\"")]
    [InlineData("null")]
    public async Task SetStatus_NotACode_Answers400OnStatusCode(string code)
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/status", RawJson($$"""{"status_code":{{code}}}"""))).AssertValidationAsync("status_code");
    }

    [Fact]
    public async Task SetStatus_CodeAsNumber_Answers400OnStatusCode()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/status", RawJson("""{"status_code":60}"""))).AssertValidationAsync("status_code");
    }

    [Theory]
    [InlineData("2026-13-01 09:00:00")]
    [InlineData("2026-12-01T09:00:00Z")]
    [InlineData("tomorrow")]
    public async Task Schedule_BadStart_Answers400OnStart(string start)
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start })).AssertValidationAsync("start");
    }

    [Fact]
    public async Task CheckOut_UnknownDisposition_Answers400OnDisposition()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition = "maybe" })).AssertValidationAsync("disposition");
    }

    [Fact]
    public async Task CheckIn_MissingTechName_Answers400OnTechName()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_phone = "1" })).AssertValidationAsync("tech_name");
    }

    [Fact]
    public async Task AddNote_EmptyContent_Answers400OnContent()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "  " })).AssertValidationAsync("content");
    }

    [Fact]
    public async Task AddTask_BadDue_Answers400OnDue()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "t", due = "next week" })).AssertValidationAsync("due");
    }

    [Fact]
    public async Task CreateUser_BadEmail_Answers400OnEmail()
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8], email = "not-an-email" })).AssertValidationAsync("email");
    }

    [Fact]
    public async Task CreateUser_TakenUsername_Answers409()
    {
        var (tenant, _, _) = await WorldAsync();
        var name = "u" + Guid.NewGuid().ToString("N")[..8];
        await tenant.Client.PostJsonAsync("/api/v1/users", new { username = name }, HttpStatusCode.Created);
        await (await tenant.Client.PostAsJsonAsync("/api/v1/users", new { username = name })).ReadAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task CreateCompany_MissingName_Answers400OnName()
    {
        await (await App.Staff().PostAsJsonAsync("/api/v1/companies", new { })).AssertValidationAsync("name");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("cursor=bogus", "cursor")]
    [InlineData("status_code=999", "status_code")]
    [InlineData("site_id=abc", "site_id")]
    [InlineData("updated_since=yesterday", "updated_since")]
    public async Task ListWorkOrders_BadQuery_Answers400OnParameter(string query, string field)
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.GetAsync("/api/v1/workorders?" + query)).AssertValidationAsync(field);
    }

    [Fact]
    public async Task ListWorkOrders_LimitNotANumber_Answers400()
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.GetAsync("/api/v1/workorders?limit=ten")).ReadAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("type=no%20such%20event", "type")]
    [InlineData("since=x", "since")]
    [InlineData("workorder_id=x", "workorder_id")]
    public async Task Events_BadQuery_Answers400OnParameter(string query, string field)
    {
        var (tenant, _, _) = await WorldAsync();
        await (await tenant.Client.GetAsync("/api/v1/events?" + query)).AssertValidationAsync(field);
    }

    [Fact]
    public async Task UploadPhoto_JsonBody_Answers415()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/photos", new { file = "x" })).ReadAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UploadPhoto_TextFile_Answers415AndStoresNothing()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", "hello"u8.ToArray(), "text/plain", "a.txt")).ReadAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/photos")).Items());
    }

    [Fact]
    public async Task UploadClientDocument_OverMaxUploadBytes_Answers413AndStoresNothing()
    {
        var (tenant, _, wo) = await WorldAsync();
        var big = new byte[10_000]; // MaxUploadBytes is 4096 in these tests
        var response = await tenant.UploadAsync(tenant.Client, $"/api/v1/workorders/{wo}/client-documents", big, "application/pdf", "big.pdf");
        await response.ReadAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/client-documents")).Items());
    }

    [Fact]
    public async Task UploadCloseOutDocument_NoFilePart_Answers400OnFile()
    {
        var (tenant, _, wo) = await WorldAsync();
        using var form = new MultipartFormDataContent { { new StringContent("x"), "caption" } };
        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/closeout-documents", form)).AssertValidationAsync("file");
    }

    [Fact]
    public async Task AnswerQuestion_UnknownQuestion_Answers404()
    {
        var (tenant, _, wo) = await WorldAsync();
        await (await tenant.Staff.PutAsJsonAsync($"/api/v1/workorders/{wo}/questions/999999999/answer", new { answer = "a" })).ReadAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Close_AlreadyClosed_Answers409()
    {
        var (tenant, _, _) = await WorldAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/close", null, HttpStatusCode.OK);
        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/close", null)).ReadAsync(HttpStatusCode.Conflict);
    }
}

public sealed class ValidationTestsSqlite(AppFixture fixture) : ValidationTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ValidationTestsPostgres(AppFixture fixture, PostgresFixture postgres) : ValidationTests(fixture, postgres), IClassFixture<AppFixture>;
