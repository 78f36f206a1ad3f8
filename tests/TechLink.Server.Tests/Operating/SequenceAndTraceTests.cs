using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TechLink.Delivery;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Operating;

/// <summary>
/// Through the API against a loopback receiver: <c>techlink-sequence</c> per subject and registration (a redelivery
/// keeps its number), and the trace from the API request to the attempt (in-memory exporter).
/// </summary>
public abstract class SequenceAndTraceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Delivery:RetryDelayMin"] = "00:00:01",
        ["TechLink:Delivery:RetryDelayMax"] = "00:00:01",
    };

    private LoopbackReceiver _receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
    }

    public override async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Event(ReceivedRequest r) => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()!;

    [Fact]
    public async Task Sequence_PerSubjectAndRegistration_FromOne_RedeliveryKeepsIt()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/any"));
        var siteId = (await tenant.CreateSiteAsync()).Str("site_id");
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{siteId}", new { city = "Portland" });
        // A registration created now starts its own count.
        await tenant.CreateWebhookAsync("site updated", _receiver.Url("/sites"));
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{siteId}", new { city = "Salem" });
        var wo = (await tenant.CreateWorkOrderAsync(siteId)).Str("workorder_id");
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "<p>one</p>" }, HttpStatusCode.Created);
        await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{wo}", new { title = "Two" });

        var received = await _receiver.WaitForAsync(7, Deadline);
        var any = received.Where(r => r.Path == "/any").Select(r => (Event(r), long.Parse(r.Headers["techlink-sequence"], CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(
            [("site created", 1L), ("site updated", 2L), ("site updated", 3L), ("work order created", 1L), ("work order note added", 2L), ("work order updated", 3L)],
            any.OrderBy(e => e.Item1.StartsWith("site", StringComparison.Ordinal) ? 0 : 1).ThenBy(e => e.Item2));
        var sites = received.Single(r => r.Path == "/sites");
        Assert.Equal("1", sites.Headers["techlink-sequence"]);

        var note = (await tenant.DeliveriesAsync("event=" + Uri.EscapeDataString("work order note added"))).Single();
        await Webhooks.DeliveryTests.WaitForDeliveryAsync(tenant, note.Str("delivery_id"), "succeeded");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/deliveries/{note.Str("delivery_id")}/redeliver", null, HttpStatusCode.Accepted);
        var copies = await _receiver.WaitForAsync(2, Deadline, r => r.Headers["webhook-id"] == note.Str("message_id"));
        Assert.All(copies, c => Assert.Equal("2", c.Headers["techlink-sequence"]));
    }

    [Fact]
    public async Task RedeliverCurrent_SendsTheSubjectAsItIsNow_AsANewMessageWithTheNextNumber()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/snap"));
        var siteId = (await tenant.CreateSiteAsync(name: "Before")).Str("site_id");
        var created = (await tenant.DeliveriesAsync("event=" + Uri.EscapeDataString("site created"))).Single();
        await Webhooks.DeliveryTests.WaitForDeliveryAsync(tenant, created.Str("delivery_id"), "succeeded");
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{siteId}", new { name = "After" });
        var current = await tenant.Client.GetJsonAsync($"/api/v1/sites/{siteId}");

        var again = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/deliveries/{created.Str("delivery_id")}/redeliver", new { snapshot = "current" }, HttpStatusCode.Accepted);
        Assert.Equal(created.Str("delivery_id"), again.Str("redelivery_of"));
        Assert.NotEqual(created.Str("message_id"), again.Str("message_id"));
        Assert.Equal("site created", again.Str("event"));
        var sent = (await _receiver.WaitForAsync(1, Deadline, r => r.Headers["webhook-id"] == again.Str("message_id")))[0];
        var body = System.Text.Json.JsonDocument.Parse(sent.Body).RootElement;
        Assert.Equal("site created", body.Str("event"));
        Json.AssertJsonEqual(current, body.GetProperty("data"));
        Assert.Equal("After", body.GetProperty("data").Str("name"));
        // site created 1, site updated 2, this snapshot 3.
        Assert.Equal("3", sent.Headers["techlink-sequence"]);
        await Webhooks.DeliveryTests.WaitForDeliveryAsync(tenant, again.Str("delivery_id"), "succeeded");

        // A task that was deleted since: no current snapshot of it.
        var wo = (await tenant.CreateWorkOrderAsync(siteId)).Str("workorder_id");
        var task = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label" }, HttpStatusCode.Created);
        var added = (await tenant.DeliveriesAsync("event=" + Uri.EscapeDataString("work order task added"))).Single();
        await Webhooks.DeliveryTests.WaitForDeliveryAsync(tenant, added.Str("delivery_id"), "succeeded");
        (await tenant.Client.DeleteAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}")).EnsureSuccessStatusCode();
        using var gone = await tenant.Client.PostAsJsonAsync($"/api/v1/webhooks/deliveries/{added.Str("delivery_id")}/redeliver", new { snapshot = "current" });
        Assert.Equal(HttpStatusCode.Conflict, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no longer exists", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedeliverSnapshot_UnknownValue400_OriginalKeepsTheMessage_ChangeEventWithoutData409()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/snap2"));
        var siteId = (await tenant.CreateSiteAsync()).Str("site_id");
        var wo = (await tenant.CreateWorkOrderAsync(siteId)).Str("workorder_id");
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/close", null, HttpStatusCode.OK);
        var closed = (await tenant.DeliveriesAsync("event=" + Uri.EscapeDataString("work order closed"))).Single();
        await Webhooks.DeliveryTests.WaitForDeliveryAsync(tenant, closed.Str("delivery_id"), "succeeded");
        var path = $"/api/v1/webhooks/deliveries/{closed.Str("delivery_id")}/redeliver";

        await (await tenant.Client.PostAsJsonAsync(path, new { snapshot = "latest" })).AssertValidationAsync("snapshot");
        using (var noData = await tenant.Client.PostAsJsonAsync(path, new { snapshot = "current" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, noData.StatusCode);
        }

        var original = await tenant.Client.PostJsonAsync(path, new { snapshot = "original" }, HttpStatusCode.Accepted);
        Assert.Equal(closed.Str("message_id"), original.Str("message_id"));
        var copies = await _receiver.WaitForAsync(2, Deadline, r => r.Headers["webhook-id"] == closed.Str("message_id"));
        Assert.Equal(copies[0].Body, copies[1].Body);
        Assert.Equal(copies[0].Headers["techlink-sequence"], copies[1].Headers["techlink-sequence"]);
    }

    [Fact]
    public async Task Trace_RequestSpanStoredWithTheEvent_AttemptSpanLinksIt_ReceiverGetsTheAttemptsTraceparent()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("Microsoft.AspNetCore", DeliveryTracing.SourceName)
            .AddInMemoryExporter(spans)
            .Build();
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("site created", _receiver.Url("/traced"));
        await tenant.CreateSiteAsync();
        var received = (await _receiver.WaitForAsync(1, Deadline, r => r.Path == "/traced"))[0];
        var webhookId = received.Headers["webhook-id"];

        string? stored;
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext())
        {
            var companyId = long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture);
            stored = await db.Events.Where(e => e.TenantId == companyId && e.EventType == "site created").Select(e => e.TraceParent).SingleAsync();
        }

        Assert.NotNull(stored);
        var clock = Stopwatch.StartNew();
        Activity? attempt = null;
        while ((attempt = spans.ToArray().FirstOrDefault(a => a.OperationName == DeliveryTracing.AttemptSpanName && (string?)a.GetTagItem("webhook.id") == webhookId)) is null)
        {
            if (clock.Elapsed > Deadline) throw new TimeoutException("no attempt span was exported");
            await Task.Delay(50);
        }

        var request = spans.ToArray().Single(a => a.Id == stored);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Contains("POST", request.DisplayName, StringComparison.Ordinal);

        Assert.Equal(ActivityKind.Client, attempt.Kind);
        var link = Assert.Single(attempt.Links);
        Assert.Equal(request.TraceId, link.Context.TraceId);
        Assert.Equal(request.SpanId, link.Context.SpanId);
        Assert.NotEqual(request.TraceId, attempt.TraceId);
        Assert.Equal(200, attempt.GetTagItem("http.response.status_code"));

        var parts = received.Headers["traceparent"].Split('-');
        Assert.Equal(attempt.TraceId.ToHexString(), parts[1]);
        Assert.Equal(attempt.SpanId.ToHexString(), parts[2]);
    }
}

public sealed class SequenceAndTraceTestsSqlite(AppFixture fixture) : SequenceAndTraceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SequenceAndTraceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : SequenceAndTraceTests(fixture, postgres), IClassFixture<AppFixture>;
