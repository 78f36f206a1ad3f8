using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Events;

/// <summary>The second half of <see cref="EventPayloadTests"/>: documents, questions and the later mutations.</summary>
public abstract partial class EventPayloadTests
{
    [Fact]
    public async Task UploadCloseOutDocument_DocumentAdded_DataEqualsGetItemAndUrlDownloads()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var bytes = "%PDF-1.4 signed"u8.ToArray();
        var doc = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/closeout-documents", bytes, "application/pdf", "signoff.pdf")).ReadAsync(HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "work order close-out document added", WorkOrderDataShape, wo);
        var listed = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/closeout-documents")).Items().Single(d => d.Str("document_id") == doc.Str("document_id"));
        Json.AssertJsonEqual(listed.Without("url", "url_expires_at"), payload.GetProperty("data").Without("url", "url_expires_at"));
        await AssertUrlServesAsync(payload.GetProperty("data").Str("url"), bytes);
    }

    [Fact]
    public async Task UploadClientDocument_DocumentAdded_DataEqualsGetItemAndUrlDownloads()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var bytes = "scope of work"u8.ToArray();
        var doc = await (await tenant.UploadAsync(tenant.Client, $"/api/v1/workorders/{wo}/client-documents", bytes, "text/plain", "scope.txt")).ReadAsync(HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "work order client document added", WorkOrderDataShape, wo);
        var listed = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/client-documents")).Items().Single(d => d.Str("document_id") == doc.Str("document_id"));
        Json.AssertJsonEqual(listed.Without("url", "url_expires_at"), payload.GetProperty("data").Without("url", "url_expires_at"));
        await AssertUrlServesAsync(payload.GetProperty("data").Str("url"), bytes);
    }

    [Fact]
    public async Task AnswerQuestion_QuestionAnswered_DataIsOnlyThatQuestionAsGetShows()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Other?" }, HttpStatusCode.Created);
        var q = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "All tested?" }, HttpStatusCode.Created);
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PutJsonAsync($"/api/v1/workorders/{wo}/questions/{q.Str("question_id")}/answer", new { answer = "Yes, all four." });
        var payloads = await PayloadsAsync(tenant, since);
        var payload = Single(payloads, "work order question answered", WorkOrderDataShape, wo);
        Assert.Single(payloads);
        var listed = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/questions")).Items().Single(x => x.Str("question_id") == q.Str("question_id"));
        Json.AssertJsonEqual(listed, payload.GetProperty("data"));
    }

    [Fact]
    public async Task AddQuestion_Unanswered_WritesNoEvent()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Q?" }, HttpStatusCode.Created);
        Assert.Empty(await PayloadsAsync(tenant, since));
    }

    [Fact]
    public async Task AddTask_TaskAdded_DataEqualsGetTasksItem()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var task = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label cables", description = "both ends", due = "2026-12-01T17:00:00Z" }, HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "work order task added", WorkOrderDataShape, wo);
        Json.AssertJsonEqual((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items().Single(t => t.Str("task_id") == task.Str("task_id")), payload.GetProperty("data"));
    }

    [Fact]
    public async Task UpdateTask_TaskUpdated_DataEqualsGetTasksItem()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var task = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label cables" }, HttpStatusCode.Created);
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}", new { status = "completed" });
        var payload = Single(await PayloadsAsync(tenant, since), "work order task updated", WorkOrderDataShape, wo);
        Json.AssertJsonEqual((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items().Single(t => t.Str("task_id") == task.Str("task_id")), payload.GetProperty("data"));
    }

    [Fact]
    public async Task DeleteTask_TaskDeleted_CarriesTaskId()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var task = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label cables" }, HttpStatusCode.Created);
        var since = await tenant.LastEventIdAsync();
        (await tenant.Client.DeleteAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}")).EnsureSuccessStatusCode();
        var payload = Single(await PayloadsAsync(tenant, since), "work order task deleted", ["event", "workorder_id", "task_id"], wo);
        Assert.Equal(task.Str("task_id"), payload.Str("task_id"));
    }

    [Fact]
    public async Task Events_SinceZero_AnswersFromTheBeginning()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateSiteAsync();
        var all = await tenant.Client.GetJsonAsync("/api/v1/events");
        Json.AssertJsonEqual(all, await tenant.Client.GetJsonAsync("/api/v1/events?since=0"));
        Assert.Single(all.Items());
    }

    [Fact]
    public async Task Events_SinceTypeAndWorkOrderFilters_Narrow()
    {
        var tenant = await App.NewTenantAsync();
        var a = await tenant.NewWorkOrderIdAsync();
        var b = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{a}/notes", new { content = "a" }, HttpStatusCode.Created);
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{b}/notes", new { content = "b" }, HttpStatusCode.Created);
        await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{b}", new { title = "b2" });

        var all = await tenant.EventsAsync();
        Assert.Equal(all.Select(e => long.Parse(e.Str("event_id"), CultureInfo.InvariantCulture)).Order(), all.Select(e => long.Parse(e.Str("event_id"), CultureInfo.InvariantCulture)));
        Assert.Equal(3, (await tenant.EventsAsync(since)).Count);
        var notes = await tenant.EventsAsync(query: "type=" + Uri.EscapeDataString("work order note added"));
        Assert.Equal(2, notes.Count);
        var forB = await tenant.EventsAsync(since, "workorder_id=" + b);
        Assert.Equal(["work order note added", "work order updated"], forB.Select(e => e.Str("type")));
        Assert.All(forB, e => Assert.Equal(b, e.Str("workorder_id")));
        var page = await tenant.Client.GetJsonAsync("/api/v1/events?limit=2");
        Assert.Equal(2, page.Items().Count);
        Assert.NotNull(page.GetProperty("next_cursor").GetString());
    }
}
