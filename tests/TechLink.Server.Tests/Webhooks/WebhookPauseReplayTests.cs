using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>Pause and resume, changes that apply to the next attempt, and replay: the real dispatcher, a loopback receiver.</summary>
public abstract class WebhookPauseReplayTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private const string Parked = "9999-01-01T00:00:00Z";

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Delivery:MaxAttempts"] = "2",
        ["TechLink:Delivery:RetryDelayMin"] = "00:00:01.500",
        ["TechLink:Delivery:RetryDelayMax"] = "00:00:02",
        // One send at a time per endpoint, so the order of arrival is the order of sending.
        ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "1",
    };

    [Fact]
    public async Task Pause_EventsKeptPendingUnattempted_ResumeSendsAllOldestFirst()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/paused"))).Str("webhook_id");
        var paused = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/pause", null, HttpStatusCode.OK);
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.True((await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{hook}")).GetProperty("paused").GetBoolean());

        for (var i = 0; i < 5; i++) await tenant.CreateSiteAsync(name: $"Site {i}");

        // The dispatcher claimed each and parked it: pending, no attempt made or counted.
        var parked = await WaitForDeliveriesAsync(tenant, hook, 5, d => d.Str("status") == "pending" && d.Str("next_attempt_at") == Parked);
        Assert.All(parked, d => Assert.Equal(0, d.GetProperty("attempt_count").GetInt32()));
        Assert.All(parked, d => Assert.Empty(d.GetProperty("attempts").EnumerateArray()));
        Assert.Equal(0, receiver.ReceivedCount);

        var resumed = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/resume", null, HttpStatusCode.OK);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        var received = await receiver.WaitForAsync(5, Deadline);
        var eventOf = (await tenant.DeliveriesAsync($"webhook_id={hook}")).ToDictionary(d => d.Str("message_id"), d => long.Parse(d.Str("event_id"), System.Globalization.CultureInfo.InvariantCulture));
        var order = received.Select(r => eventOf[r.Headers["webhook-id"]]).ToList();
        Assert.Equal(order.Order(), order);
        await WaitForDeliveriesAsync(tenant, hook, 5, d => d.Str("status") == "succeeded" && d.GetProperty("attempt_count").GetInt32() == 1);
    }

    [Fact]
    public async Task PausedBacklog_OtherEndpointOfSameCompanyKeepsDelivering()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var pausedHook = (await tenant.CreateWebhookAsync("(any webhooks)", receiver.Url("/paused"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{pausedHook}/pause", null, HttpStatusCode.OK);
        await DeliveryTests.EmitEveryTypeAsync(tenant);
        var backlog = (await tenant.DeliveriesAsync($"webhook_id={pausedHook}")).Count;
        Assert.True(backlog >= 21, $"backlog {backlog}");

        var live = (await tenant.CreateWebhookAsync("site created", receiver.Url("/live"))).Str("webhook_id");
        for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(3, Deadline, r => r.Path == "/live");
        await WaitForDeliveriesAsync(tenant, live, 3, d => d.Str("status") == "succeeded");
        await WaitForDeliveriesAsync(tenant, pausedHook, backlog + 3, d => d.Str("status") == "pending" && d.Str("next_attempt_at") == Parked);
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/paused");
    }

    [Fact]
    public async Task RotateSecret_EventCommittedRightAfter_SignedWithNewSecret()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var created = await tenant.CreateWebhookAsync("site created", receiver.Url("/rotate"));
        var hook = created.Str("webhook_id");
        // A first delivery puts the registration in the dispatcher's cache.
        await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(1, Deadline);

        var rotated = (await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/secret/rotate", null, HttpStatusCode.OK)).Str("signing_secret");
        await tenant.CreateSiteAsync();
        var second = (await receiver.WaitForAsync(2, Deadline))[1];
        Assert.True(Signatures.Verifies(second, rotated), "the event after the rotation is not signed with the new secret");
        Assert.Equal(2, Signatures.CountVerified(second, rotated) + Signatures.CountVerified(second, created.Str("signing_secret")));
    }

    [Fact]
    public async Task Disable_WithRetryPending_NoFurtherAttempt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => Task.FromResult((500, "down"));
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/disable"))).Str("webhook_id");
        await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(1, Deadline);
        await WaitForDeliveriesAsync(tenant, hook, 1, d => d.GetProperty("attempt_count").GetInt32() == 1);

        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{hook}", new { enabled = false });
        var failed = await DeliveryTests.WaitForStatusAsync(tenant, hook, "failed");
        Assert.Equal(1, failed.GetProperty("attempt_count").GetInt32());
        Assert.Equal("registration disabled", failed.Str("last_error"));
        Assert.Equal(1, receiver.ReceivedCount);
    }

    [Fact]
    public async Task ReplayFailed_SameWebhookIds_ProgressCountsThem()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => Task.FromResult((503, "down"));
        var tenant = await App.NewTenantAsync();
        var since = DateTime.UtcNow.AddSeconds(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/replay"))).Str("webhook_id");
        for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
        var failed = await WaitForDeliveriesAsync(tenant, hook, 3, d => d.Str("status") == "failed");
        var failedIds = failed.Select(d => d.Str("message_id")).ToHashSet();
        Assert.Equal(6, receiver.ReceivedCount);

        receiver.Respond = _ => Task.FromResult((200, "ok"));
        var started = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/replay", new { since }, HttpStatusCode.Accepted);
        Assert.Equal(3, started.GetProperty("queued").GetInt32());
        var replayId = started.Str("replay_id");

        var replayed = (await receiver.WaitForAsync(9, Deadline)).Skip(6).ToList();
        Assert.Equal(failedIds, replayed.Select(r => r.Headers["webhook-id"]).ToHashSet());
        var progress = await WaitForReplayAsync(tenant, replayId, p => p.GetProperty("pending").GetInt32() == 0);
        Assert.Equal(replayId, progress.Str("replay_id"));
        Assert.Equal(hook, progress.Str("webhook_id"));
        Assert.Equal(3, progress.GetProperty("queued").GetInt32());
        Assert.Equal(3, progress.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, progress.GetProperty("failed").GetInt32());

        // Another company's replay answers like a missing one.
        var other = await App.NewTenantAsync();
        await other.Client.GetJsonAsync($"/api/v1/webhooks/replays/{replayId}", HttpStatusCode.NotFound);
        await tenant.Client.GetJsonAsync("/api/v1/webhooks/replays/999999999", HttpStatusCode.NotFound);
        Assert.Equal(replayId, (await tenant.Staff.GetJsonAsync($"/api/v1/webhooks/replays/{replayId}")).Str("replay_id"));
    }

    /// <summary>
    /// The log's <c>since</c> and a replay's range start at an <see cref="IdMark"/>'s id floor (no index holds
    /// <c>created_at</c>). A probe mark that says the rows so far were written before the instant hides them from both,
    /// though they were created within the range: the floor is applied. A real mark never says that of rows created
    /// after it (IdMarkTests in the engine's tests).
    /// </summary>
    [Fact]
    public async Task Since_LogAndReplayStartAtTheIdMarkFloor()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/floor"))).Str("webhook_id");
        var since = DateTime.UtcNow.AddSeconds(-1);
        var sinceText = since.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 2; i++) await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(2, Deadline);
        var probe = new IdMark { RecordedAt = since - IdMarks.Margin };
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            (probe.DeliveryId, probe.EventId) = (await db.Deliveries.MaxAsync(d => d.Id), await db.Events.MaxAsync(e => e.Id));
            db.Add(probe);
            await db.SaveChangesAsync();
        }

        try
        {
            for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
            await WaitForDeliveriesAsync(tenant, hook, 5, d => d.Str("status") == "succeeded");

            Assert.Equal(3, (await tenant.DeliveriesAsync($"webhook_id={hook}&since={sinceText}")).Count);
            var started = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/replay", new { since = sinceText, only_failed = false }, HttpStatusCode.Accepted);
            Assert.Equal(3, started.GetProperty("queued").GetInt32());
        }
        finally
        {
            // The probe is untrue of the rows before it: the class's other tests must not meet it.
            await using var scope = App.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TechLinkDbContext>().Set<IdMark>().Where(m => m.Id == probe.Id).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task ReplayAllEvents_DisabledRegistration_WaitsParkedUntilEnabled_NewWebhookIds()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var since = DateTime.UtcNow.AddSeconds(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        // Events that happened while the registration was disabled (none of them was ever queued for it).
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/all"), enabled: false)).Str("webhook_id");
        for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
        await tenant.CreateWorkOrderAsync((await tenant.CreateSiteAsync()).Str("site_id"));
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={hook}"));

        var started = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/replay", new { since, only_failed = false }, HttpStatusCode.Accepted);
        Assert.Equal(4, started.GetProperty("queued").GetInt32());
        var queued = await WaitForDeliveriesAsync(tenant, hook, 4, d => d.Str("status") == "pending" && d.Str("next_attempt_at") == Parked);
        Assert.Equal(4, queued.Select(d => d.Str("message_id")).Distinct().Count());
        Assert.Equal(0, receiver.ReceivedCount);

        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{hook}", new { enabled = true });
        var received = await receiver.WaitForAsync(4, Deadline);
        Assert.All(received, r => Assert.Contains("\"site created\"", r.Body, StringComparison.Ordinal));
        // Never queued for it before: each is its site's first event for this registration.
        Assert.All(received, r => Assert.Equal("1", r.Headers["techlink-sequence"]));
        var progress = await WaitForReplayAsync(tenant, started.Str("replay_id"), p => p.GetProperty("succeeded").GetInt32() == 4);
        Assert.Equal(0, progress.GetProperty("pending").GetInt32());
    }

    [Fact]
    public async Task DeletePausedRegistration_ParkedDeliveriesEndFailed()
    {
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/deleted"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/pause", null, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();
        await WaitForDeliveriesAsync(tenant, hook, 1, d => d.Str("next_attempt_at") == Parked);

        (await tenant.Client.DeleteAsync($"/api/v1/webhooks/{hook}")).EnsureSuccessStatusCode();
        var failed = await WaitForDeliveriesAsync(tenant, hook, 1, d => d.Str("status") == "failed");
        Assert.Equal("registration deleted", failed[0].Str("last_error"));
        Assert.Equal(0, failed[0].GetProperty("attempt_count").GetInt32());
    }

    [Theory]
    [InlineData("{}", "since")]
    [InlineData("{\"since\":\"yesterday\"}", "since")]
    [InlineData("{\"since\":\"2026-11-28T12:00:00Z\",\"until\":\"2026-11-28T12:00:00Z\"}", "until")]
    [InlineData("{\"since\":\"2026-11-28T12:00:00Z\",\"until\":\"not a time\"}", "until")]
    public async Task Replay_BadRange_400NamingTheField(string body, string field)
    {
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/x"))).Str("webhook_id");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await (await tenant.Client.PostAsync($"/api/v1/webhooks/{hook}/replay", content)).ReadAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task PauseResumeReplay_AnotherCompanysRegistration_404()
    {
        var owner = await App.NewTenantAsync();
        var hook = (await owner.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/x"))).Str("webhook_id");
        var other = await App.NewTenantAsync();
        await other.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/pause", null, HttpStatusCode.NotFound);
        await other.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/resume", null, HttpStatusCode.NotFound);
        await other.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/replay", new { since = "2026-01-01T00:00:00Z" }, HttpStatusCode.NotFound);
        Assert.False((await owner.Client.GetJsonAsync($"/api/v1/webhooks/{hook}")).GetProperty("paused").GetBoolean());
    }

    private static async Task<IReadOnlyList<JsonElement>> WaitForDeliveriesAsync(Tenant tenant, string hook, int count, Func<JsonElement, bool> where)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var items = await tenant.DeliveriesAsync($"webhook_id={hook}");
            var matching = items.Where(where).ToList();
            if (matching.Count >= count) return matching;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{matching.Count} of {count} deliveries as wanted: {JsonSerializer.Serialize(items)}");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> WaitForReplayAsync(Tenant tenant, string replayId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var progress = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/replays/{replayId}");
            if (done(progress)) return progress;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"replay {replayId}: {progress.GetRawText()}");
            await Task.Delay(100);
        }
    }
}

public sealed class WebhookPauseReplayTestsSqlite(AppFixture fixture) : WebhookPauseReplayTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookPauseReplayTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookPauseReplayTests(fixture, postgres), IClassFixture<AppFixture>;
