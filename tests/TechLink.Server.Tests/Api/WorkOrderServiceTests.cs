using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.WorkOrders;
using TechLink.Testing;
using EventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// The work order services called directly, as the portal calls them: a success commits the row and its event (and the
/// event's delivery), a refusal commits nothing of the action, not even what it changed before it refused.
/// </summary>
public abstract class WorkOrderServiceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static Caller Client(Tenant tenant) => new(false, long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture), "service test");

    private static readonly Caller Staff = new(true, null, "service staff");

    private async Task<Tenant> TenantWithWebhookAsync()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/never"), enabled: true);
        return tenant;
    }

    [Fact]
    public async Task Create_Succeeds_CommitsTheWorkOrderItsEventAndItsDelivery()
    {
        var tenant = await TenantWithWebhookAsync();
        var site = (await tenant.CreateSiteAsync()).Str("site_id");
        var since = await tenant.LastEventIdAsync();
        var deliveriesBefore = (await tenant.DeliveriesAsync()).Count;
        await using var scope = App.Services.CreateAsyncScope();

        var outcome = await scope.ServiceProvider.GetRequiredService<WorkOrderService>()
            .CreateAsync(Client(tenant), new CreateWorkOrderRequest(site, "PO-1", "Fit shelves", "", "low"), default);

        Assert.True(outcome.Succeeded);
        var stored = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{outcome.Value.WorkorderId}");
        Assert.Equal("Fit shelves", stored.Str("title"));
        var created = Assert.Single(await tenant.EventsAsync(since));
        Assert.Equal(EventTypes.WorkOrderCreated, created.Str("type"));
        Assert.Equal(deliveriesBefore + 1, (await tenant.DeliveriesAsync()).Count);
    }

    [Fact]
    public async Task Create_OnAnotherCompanysSite_RefusedAsNoSuchSite_NothingWritten()
    {
        var tenant = await TenantWithWebhookAsync();
        var other = await App.NewTenantAsync();
        var foreignSite = (await other.CreateSiteAsync()).Str("site_id");
        var since = await tenant.LastEventIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        TenancyScope.Apply(scope.ServiceProvider.GetRequiredService<TechLinkDbContext>(), Client(tenant)); // as a client's request is scoped

        var outcome = await scope.ServiceProvider.GetRequiredService<WorkOrderService>()
            .CreateAsync(Client(tenant), new CreateWorkOrderRequest(foreignSite, null, "Not mine", null, null), default);

        Assert.Equal(400, outcome.Refusal?.Status);
        Assert.Equal(["No such site."], outcome.Refusal!.Errors["site_id"]);
        Assert.Empty((await tenant.Client.GetJsonAsync("/api/v1/workorders")).Items());
        Assert.Empty((await other.Client.GetJsonAsync("/api/v1/workorders")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task Update_RefusedAfterChangingTheTitle_KeepsNothing_EvenForTheNextActionOfTheSameScope()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<WorkOrderService>();

        // The title is valid and applied to the tracked row before the priority refuses the whole request.
        var refused = await service.UpdateAsync(Client(tenant), wo, new UpdateWorkOrderRequest(null, "Rejected title", null, "urgent!"), default);
        Assert.Equal(400, refused.Refusal?.Status);
        Assert.Contains("priority", refused.Refusal!.Errors.Keys);

        // The next action of the same scope (the same DbContext) must not save the refused title along with its own change.
        var cancelled = await service.CancelAsync(Client(tenant), wo, default);
        Assert.Equal("105", cancelled.Value.StatusCode);
        var stored = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}");
        Assert.Equal("Install POS terminals", stored.Str("title"));
        Assert.DoesNotContain(await tenant.EventsAsync(since), e => e.Str("type") == EventTypes.WorkOrderUpdated);
    }

    [Fact]
    public async Task CheckIn_OnAClosedOrder_RefusedWithTheRulesConflict_NoStatusChangeNoEvent()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<WorkOrderService>();
        Assert.True((await service.CloseAsync(Staff, wo, default)).Succeeded);
        var timeline = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/timeline")).Items().Count;
        var since = await tenant.LastEventIdAsync();
        var deliveriesBefore = (await tenant.DeliveriesAsync()).Count;

        var outcome = await service.CheckInAsync(Staff, wo, new TechRequest("John", "1"), default);

        var refusal = outcome.Refusal;
        Assert.Equal(409, refusal?.Status);
        Assert.Equal("100", refusal!.Extensions["status_code"]);
        Assert.Empty((string[])refusal.Extensions["allowed_actions"]!);
        Assert.Equal(timeline, (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/timeline")).Items().Count);
        Assert.Empty(await tenant.EventsAsync(since));
        Assert.Equal(deliveriesBefore, (await tenant.DeliveriesAsync()).Count);
    }

    [Fact]
    public async Task Actions_OnAnotherCompanysWorkOrder_AreNotFound_AndChangeNothing()
    {
        var tenant = await TenantWithWebhookAsync();
        var other = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var before = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}");
        var since = await tenant.LastEventIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        TenancyScope.Apply(scope.ServiceProvider.GetRequiredService<TechLinkDbContext>(), Client(other)); // as a client's request is scoped
        var workOrders = scope.ServiceProvider.GetRequiredService<WorkOrderService>();
        var attachments = scope.ServiceProvider.GetRequiredService<WorkOrderAttachmentService>();

        Assert.True((await workOrders.GetAsync(Client(other), wo, default)).Refusal?.IsNotFound);
        Assert.True((await workOrders.CancelAsync(Client(other), wo, default)).Refusal?.IsNotFound);
        Assert.True((await attachments.AddNoteAsync(Client(other), wo, new NoteRequest("not mine"), default)).Refusal?.IsNotFound);
        Assert.True((await attachments.AddTaskAsync(Client(other), wo, new TaskRequest("not mine", null, null, null), default)).Refusal?.IsNotFound);

        Json.AssertJsonEqual(before, await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"));
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/notes")).Items());
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task Tasks_AddThenDelete_CommitEachWithItsEvent_ASecondDeleteIsNotFound()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var attachments = scope.ServiceProvider.GetRequiredService<WorkOrderAttachmentService>();

        var task = (await attachments.AddTaskAsync(Client(tenant), wo, new TaskRequest("Bring a ladder", null, null, null), default)).Value;
        Assert.Single((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items());
        Assert.True((await attachments.DeleteTaskAsync(Client(tenant), wo, task.TaskId, default)).Succeeded);
        Assert.True((await attachments.DeleteTaskAsync(Client(tenant), wo, task.TaskId, default)).Refusal?.IsNotFound);

        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items());
        Assert.Equal([EventTypes.WorkOrderTaskAdded, EventTypes.WorkOrderTaskDeleted], (await tenant.EventsAsync(since)).Select(e => e.Str("type")));
    }

    [Fact]
    public async Task Upload_OfATypeNotAccepted_Refused415_NoRowNoEventNoBytes()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var files = scope.ServiceProvider.GetRequiredService<WorkOrderFileService>();
        var upload = new FileUpload("page.html", "text/html", 5, () => new MemoryStream("<b/>"u8.ToArray()), null);

        var outcome = await files.UploadPhotoAsync(Staff, wo, (_, _) => Task.FromResult<Outcome<FileUpload>>(upload), default);

        Assert.Equal(415, outcome.Refusal?.Status);
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/photos")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
        var folder = Path.Combine(App.DataPath, "files", tenant.CompanyId);
        Assert.True(!Directory.Exists(folder) || Directory.GetFiles(folder).Length == 0, "bytes of a refused upload were stored");
    }
}

public sealed class WorkOrderServiceTestsSqlite(AppFixture fixture) : WorkOrderServiceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WorkOrderServiceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WorkOrderServiceTests(fixture, postgres), IClassFixture<AppFixture>;
