using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Testing;

namespace TechLink.Webhooks.Tests.Api;

/// <summary>The client against a small fake of the API on real Kestrel (the real server is tested by its own team).</summary>
public sealed class ApiClientTests : IAsyncLifetime
{
    private const string Key = "tlk_test_key";
    private readonly ConcurrentQueue<(string Method, string PathAndQuery, string? Auth, string Body)> _requests = new();
    private KestrelHost _api = null!;
    private ServiceProvider _services = null!;
    private TechLinkApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _api = await KestrelHost.StartAsync(_ => { }, app =>
        {
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                context.Request.Body.Position = 0;
                _requests.Enqueue((context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization.ToString(), body));
                if (context.Request.Headers.Authorization != "Bearer " + Key)
                {
                    await Results.Problem(statusCode: 401, title: "Unauthorized", detail: "bad key").ExecuteAsync(context);
                    return;
                }

                await next(context);
            });
            var api = app.MapGroup("/api/v1");
            api.MapGet("/workorders", (HttpContext c) => Results.Text(
                c.Request.Query["cursor"] == "p2"
                    ? $$"""{"items":[{{WorkOrderJson("2")}}],"next_cursor":null}"""
                    : $$"""{"items":[{{WorkOrderJson("1")}}],"next_cursor":"p2"}""", "application/json"));
            api.MapGet("/workorders/{id}", (string id) => id == "404"
                ? Results.Problem(statusCode: 404, title: "Not Found", detail: "no such work order")
                : Results.Text(WorkOrderJson(id), "application/json"));
            api.MapPost("/workorders", () => Results.Text(WorkOrderJson("900"), "application/json", statusCode: 201));
            api.MapPatch("/workorders/{id}", (string id) => Results.Text(WorkOrderJson(id), "application/json"));
            api.MapPost("/workorders/{id}/tasks", () => Results.ValidationProblem(new Dictionary<string, string[]> { ["title"] = ["The title is required."] }));
            api.MapDelete("/workorders/{id}/tasks/{taskId}", () => Results.NoContent());
            api.MapGet("/workorders/{id}/notes", () => Results.Text("""{"items":[{"note_id":"5","workorder_id":"1","content":"<p>hi</p>","author":"A","created_at":"2026-11-28T12:00:00Z"}],"next_cursor":null}""", "application/json"));
            api.MapPost("/workorders/{id}/notes", () => Results.Text("""{"note_id":"6","workorder_id":"1","content":"x","author":"A","created_at":"2026-11-28T12:00:00Z"}""", "application/json", statusCode: 201));
            api.MapGet("/workorders/{id}/photos/{photoId}/raw", () => Results.File(new byte[] { 0xFF, 0xD8, 0xFF, 0x01 }, "image/jpeg", "rack.jpg"));
            api.MapGet("/workorders/{id}/closeout-documents/{docId}/raw", () => Results.File("%PDF-1.7"u8.ToArray(), "application/pdf"));
            api.MapGet("/events", (HttpContext c) =>
            {
                var since = int.TryParse(c.Request.Query["since"], out var s) ? s : 0;
                var start = c.Request.Query["cursor"] is { Count: > 0 } cur ? int.Parse(cur!) : since + 1;
                var end = Math.Min(start + 2, 6); // 5 events, pages of two
                var items = Enumerable.Range(start, Math.Max(0, end - start)).Select(i =>
                    $$$"""{"event_id":"{{{i}}}","type":"work order closed","workorder_id":"{{{100 + i}}}","created_at":"2026-11-28T12:00:0{{{i}}}Z","payload":{"event":"work order closed","workorder_id":"{{{100 + i}}}"}}""");
                var next = end <= 5 ? $"\"{end}\"" : "null";
                return Results.Text($$"""{"items":[{{string.Join(',', items)}}],"next_cursor":{{next}}}""", "application/json");
            });
            api.MapPost("/companies/{companyId}/api-keys", () => Results.Text("""{"api_key_id":"31","key":"tlk_new_secret"}""", "application/json", statusCode: 201));
            api.MapGet("/companies/{companyId}/api-keys", () => Results.Text("""{"items":[{"api_key_id":"31","name":"erp","created_at":"2026-11-28T12:00:00Z"}],"next_cursor":null}""", "application/json"));
            api.MapDelete("/companies/{companyId}/api-keys/{keyId}", () => Results.NoContent());
        });

        _services = new ServiceCollection()
            .AddTechLinkApiClient(o =>
            {
                o.BaseAddress = _api.BaseUrl;
                o.ApiKey = Key;
            }).Services.BuildServiceProvider();
        _client = _services.GetRequiredService<TechLinkApiClient>();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task ListWorkOrders_SendsBearerBasePathAndFilters()
    {
        var page = await _client.ListWorkOrdersAsync(new WorkOrderQuery("60", "3310", new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), 50));

        Assert.Equal("1", Assert.Single(page.Items).WorkOrderId);
        Assert.Equal("p2", page.NextCursor);
        var request = Assert.Single(_requests);
        Assert.Equal("Bearer " + Key, request.Auth);
        Assert.Equal("/api/v1/workorders?status_code=60&site_id=3310&updated_since=2026-11-28T12%3A00%3A00Z&limit=50", request.PathAndQuery);
    }

    [Fact]
    public async Task ListAllWorkOrders_FollowsCursor()
    {
        var ids = new List<string>();
        await foreach (var wo in _client.ListAllWorkOrdersAsync()) ids.Add(wo.WorkOrderId);

        Assert.Equal(["1", "2"], ids);
    }

    [Fact]
    public async Task GetWorkOrder_Missing_ThrowsProblemDetails()
    {
        var ex = await Assert.ThrowsAsync<TechLinkApiException>(() => _client.GetWorkOrderAsync("404"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("Not Found", ex.Title);
        Assert.Equal("no such work order", ex.Detail);
    }

    [Fact]
    public async Task AddTask_Invalid_ThrowsWithValidationErrors()
    {
        var ex = await Assert.ThrowsAsync<TechLinkApiException>(() => _client.AddTaskAsync("1", new CreateTaskRequest("")));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal(["The title is required."], ex.Errors["title"]);
        Assert.Contains("title", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKey_Throws401()
    {
        var client = TechLinkApiClient.Create(_api.BaseUrl, "wrong");

        var ex = await Assert.ThrowsAsync<TechLinkApiException>(() => client.GetWorkOrderAsync("1"));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Fact]
    public async Task CreateAndPatchWorkOrder_SnakeCaseBodiesWithoutNulls()
    {
        var created = await _client.CreateWorkOrderAsync(new CreateWorkOrderRequest("3310", "PO-1", "Fix", "desc", "urgent"));
        await _client.UpdateWorkOrderAsync("900", new UpdateWorkOrderRequest(Title: "New title"));

        Assert.Equal("900", created.WorkOrderId);
        var requests = _requests.ToArray();
        Assert.Equal(("POST", "/api/v1/workorders"), (requests[0].Method, requests[0].PathAndQuery));
        Assert.Equal("""{"site_id":"3310","client_reference":"PO-1","title":"Fix","description":"desc","priority":"urgent"}""", requests[0].Body);
        Assert.Equal(("PATCH", """{"title":"New title"}"""), (requests[1].Method, requests[1].Body));
    }

    [Fact]
    public async Task NotesTasksAndFiles_RoundTrip()
    {
        var notes = await _client.ListNotesAsync("1", new PageOptions(10));
        var note = await _client.AddNoteAsync("1", "<b>done</b>");
        await _client.DeleteTaskAsync("1", "7");
        var photo = await _client.GetPhotoRawAsync("1", "55");
        var doc = await _client.GetCloseOutDocumentRawAsync("1", "66");

        Assert.Equal("<p>hi</p>", Assert.Single(notes.Items).Content);
        Assert.Equal("6", note.NoteId);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0x01 }, photo.Content);
        Assert.Equal(("image/jpeg", "rack.jpg"), (photo.ContentType, photo.FileName));
        Assert.Equal("application/pdf", doc.ContentType);
        Assert.Contains(_requests, r => r.PathAndQuery == "/api/v1/workorders/1/notes?limit=10");
        Assert.Contains(_requests, r => r is { Method: "POST", Body: """{"content":"\u003Cb\u003Edone\u003C/b\u003E"}""" } or { Method: "POST", Body: """{"content":"<b>done</b>"}""" });
        Assert.Contains(_requests, r => r is { Method: "DELETE", PathAndQuery: "/api/v1/workorders/1/tasks/7" });
    }

    [Fact]
    public async Task Download_OtherHost_DoesNotLeakApiKey()
    {
        await using var files = await LoopbackReceiver.StartAsync();
        files.Respond = _ => Task.FromResult((200, "JPEGDATA"));

        var file = await _client.DownloadAsync(files.Url("/files/photos/55?sig=abc").ToString());

        Assert.Equal("JPEGDATA"u8.ToArray(), file.Content);
        var request = Assert.Single(files.Received);
        Assert.False(request.Headers.ContainsKey("authorization"));
    }

    [Fact]
    public async Task ReadEvents_CatchesUpAcrossPagesFromSince()
    {
        var events = new List<FeedEvent>();
        await foreach (var e in _client.ReadEventsAsync(new EventFeedQuery(Since: "1", Type: "work order closed"))) events.Add(e);

        Assert.Equal(["2", "3", "4", "5"], events.Select(e => e.EventId));
        var typed = Assert.IsType<WorkOrderClosed>(events[0].ToEvent());
        Assert.Equal("102", typed.WorkOrderId);
        Assert.Equal("/api/v1/events?since=1&type=work%20order%20closed", _requests.First().PathAndQuery);
    }

    [Fact]
    public async Task ApiKeys_CreateListRevoke()
    {
        var created = await _client.CreateApiKeyAsync("1007", "erp");
        var keys = await _client.ListApiKeysAsync("1007");
        await _client.RevokeApiKeyAsync("1007", "31");

        Assert.Equal(("31", "tlk_new_secret"), (created.ApiKeyId, created.Key));
        Assert.Equal("erp", Assert.Single(keys).Name);
        Assert.Contains(_requests, r => r is { Method: "POST", PathAndQuery: "/api/v1/companies/1007/api-keys", Body: """{"name":"erp"}""" });
        Assert.Contains(_requests, r => r is { Method: "DELETE", PathAndQuery: "/api/v1/companies/1007/api-keys/31" });
    }

    [Theory]
    [InlineData("http://h:1")]
    [InlineData("http://h:1/")]
    [InlineData("http://h:1/api/v1")]
    [InlineData("http://h:1/api/v1/")]
    public void BaseAddress_NormalisedToApiRoot(string baseAddress)
    {
        Assert.Equal(new Uri("http://h:1/api/v1/"), new TechLinkApiOptions { BaseAddress = new Uri(baseAddress) }.ApiRoot);
    }

    private static string WorkOrderJson(string id) =>
        $$"""{"workorder_id":"{{id}}","company_id":"1007","site_id":"3310","title":"T","priority":"normal","status_code":"10","status":"Created","scheduled_start":null,"created_at":"2026-11-28T12:00:00Z","updated_at":"2026-11-28T12:00:00Z","extra":1}""";
}
