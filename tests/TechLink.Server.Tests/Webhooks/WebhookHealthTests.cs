using System.Net;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>Issue 14: description, health, test sends in the log, the log's filters and the readiness check, on both providers.</summary>
public abstract class WebhookHealthTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Delivery:MaxAttempts"] = "1",
        ["TechLink:RateLimit:TestSendsPerMinute"] = "1000",
    };

    private LoopbackReceiver _receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
    }

    public override async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static async Task<JsonElement> WaitForHealthAsync(Tenant tenant, string webhookId, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var hook = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{webhookId}");
            if (condition(hook.GetProperty("health"))) return hook;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"health of {webhookId} never matched: {hook}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Description_SetOnCreateAndPatch_ClearedByPut_TooLongIs400()
    {
        var tenant = await App.NewTenantAsync();
        var created = await tenant.Client.PostJsonAsync("/api/v1/webhooks",
            new { type = "site created", url = _receiver.Url().ToString(), description = "ERP in Frankfurt" }, HttpStatusCode.Created);
        Assert.Equal("ERP in Frankfurt", created.Str("description"));
        var id = created.Str("webhook_id");
        Assert.Equal("failing-over", (await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { description = "failing-over" })).Str("description"));

        var tooLong = await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { description = new string('d', 201) }, HttpStatusCode.BadRequest);
        Assert.True(tooLong.GetProperty("errors").TryGetProperty("description", out _), tooLong.ToString());
        Assert.Equal("failing-over", (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}")).Str("description"));

        var replaced = await tenant.Client.PutJsonAsync($"/api/v1/webhooks/{id}", new { type = "site created", url = _receiver.Url().ToString() });
        Assert.Equal(JsonValueKind.Null, replaced.GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task Health_UnknownThenHealthyThenFailing_FromWhatTheEngineWrote()
    {
        var fail = false;
        _receiver.Respond = _ => Task.FromResult(Volatile.Read(ref fail) ? (500, "down") : (200, "ok"));
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site created", _receiver.Url());
        var id = hook.Str("webhook_id");
        var health = hook.GetProperty("health");
        Assert.Equal("unknown", health.Str("state"));
        Assert.Equal(0, health.GetProperty("attempts_24h").GetInt32());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("success_rate_24h").ValueKind);
        Assert.Equal(
            ["state", "success_rate_24h", "attempts_24h", "consecutive_failed_deliveries", "last_success_at", "last_failure_at", "p95_duration_ms_24h", "disabled_reason", "disabled_at", "warnings"],
            health.Names());

        await tenant.CreateSiteAsync();
        health = (await WaitForHealthAsync(tenant, id, h => h.GetProperty("attempts_24h").GetInt32() == 1)).GetProperty("health");
        Assert.Equal("healthy", health.Str("state"));
        Assert.Equal(1.0, health.GetProperty("success_rate_24h").GetDouble());
        Assert.InRange(health.GetProperty("p95_duration_ms_24h").GetInt32(), 0, 5000);
        Assert.NotNull(health.GetProperty("last_success_at").GetString());

        Volatile.Write(ref fail, true);
        await tenant.CreateSiteAsync();
        health = (await WaitForHealthAsync(tenant, id, h => h.GetProperty("attempts_24h").GetInt32() == 2)).GetProperty("health");
        Assert.Equal("failing", health.Str("state"));
        Assert.Equal(1, health.GetProperty("consecutive_failed_deliveries").GetInt32());
        Assert.Equal(0.5, health.GetProperty("success_rate_24h").GetDouble());
        Assert.Empty(health.GetProperty("warnings").EnumerateArray());

        // The same health in the list, and the last attempt's status as a filter of the log.
        var listed = (await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items().Single(w => w.Str("webhook_id") == id);
        Assert.Equal("failing", listed.GetProperty("health").Str("state"));
        Assert.Single(await tenant.DeliveriesAsync($"webhook_id={id}&status_code=500"));
        Assert.Single(await tenant.DeliveriesAsync($"webhook_id={id}&status_code=200"));
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={id}&status_code=404"));
    }

    [Fact]
    public async Task Health_401AfterSecretRotation_WarnsAuthRejectedAfterChange()
    {
        _receiver.Respond = _ => Task.FromResult((401, "bad signature"));
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/secret/rotate", null, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();
        var health = (await WaitForHealthAsync(tenant, id, h => h.GetProperty("warnings").GetArrayLength() > 0)).GetProperty("health");
        var warning = Assert.Single(health.GetProperty("warnings").EnumerateArray());
        Assert.Equal("auth_rejected_after_change", warning.Str("code"));
        Assert.NotNull(warning.GetProperty("since").GetString());
        Assert.Equal("failing", health.Str("state"));
    }

    [Fact]
    public async Task TestSend_InTheLogOnlyWithTestTrue_NotInHealthNorTheEventFeed()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        var sent = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/test", new { }, HttpStatusCode.OK);
        Assert.True(sent.GetProperty("success").GetBoolean());

        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={id}"));
        var test = Assert.Single(await tenant.DeliveriesAsync($"webhook_id={id}&test=true"));
        Assert.True(test.GetProperty("test").GetBoolean());
        Assert.Equal("succeeded", test.Str("status"));
        Assert.Equal(sent.Str("webhook_id"), test.Str("message_id"));
        Assert.Equal(200, Assert.Single(test.GetProperty("attempts").EnumerateArray()).GetProperty("status_code").GetInt32());
        Assert.Equal("unknown", (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}")).GetProperty("health").Str("state"));
        Assert.Empty(await tenant.EventsAsync());
        Assert.Equal("succeeded", (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries/{test.Str("delivery_id")}")).Str("status"));
    }

    [Fact]
    public async Task DeliveryLog_SinceUntilAndWebhookMessageId_Filter_BadValuesName400()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await tenant.CreateSiteAsync();
        await tenant.CreateSiteAsync();
        var all = await DeliveryTests.WaitForStatusAsync(tenant, id, "succeeded", 2);
        var items = await tenant.DeliveriesAsync($"webhook_id={id}");
        Assert.Equal(2, items.Count);
        var created = DateTime.Parse(items[1].Str("created_at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

        var iso = (DateTime t) => Uri.EscapeDataString(t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, (await tenant.DeliveriesAsync($"webhook_id={id}&since={iso(created)}")).Count);
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={id}&until={iso(created)}"));
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={id}&since={iso(created.AddMinutes(5))}"));
        Assert.Equal(2, (await tenant.DeliveriesAsync($"webhook_id={id}&since={iso(created.AddMinutes(-5))}&until={iso(created.AddMinutes(5))}")).Count);
        var one = Assert.Single(await tenant.DeliveriesAsync($"webhook_message_id={items[0].Str("message_id")}"));
        Assert.Equal(items[0].Str("delivery_id"), one.Str("delivery_id"));
        Assert.NotNull(all.GetProperty("delivery_id").GetString());

        foreach (var (query, field) in new[]
        {
            ("since=yesterday", "since"), ("until=2026-13-01T00:00:00Z", "until"), ("since=2026-03-01T12:00:00", "since"),
            ("status_code=abc", "status_code"), ("status_code=99", "status_code"), ("test=maybe", "test"),
            ("webhook_message_id=" + new string('m', 65), "webhook_message_id"),
        })
        {
            var problem = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries?{query}", HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
    }

    [Fact]
    public async Task Check_OneTypeFailing_NotReady_DuplicateCarriesTheFirstWebhookId()
    {
        _receiver.Respond = r => Task.FromResult(r.Body.Contains("\"work order cancelled\"", StringComparison.Ordinal) ? (500, "no") : (200, "ok"));
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("(all current webhooks)", _receiver.Url("/check"))).Str("webhook_id");
        var types = (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}")).GetProperty("event_types").EnumerateArray().Select(t => t.GetString()!).ToList();

        var check = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/check", null, HttpStatusCode.OK);
        Assert.False(check.GetProperty("ready").GetBoolean());
        var results = check.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(types, results.Select(r => r.Str("event")));
        var failed = Assert.Single(results, r => r.GetProperty("status_code").GetInt32() != 200);
        Assert.Equal("work order cancelled", failed.Str("event"));
        Assert.Equal(200, check.GetProperty("duplicate").GetProperty("status_code").GetInt32());
        Assert.Empty(check.GetProperty("slow").EnumerateArray());

        var received = _receiver.Received.Where(r => r.Path == "/check").ToList();
        Assert.Equal(types.Count + 1, received.Count);
        Assert.Equal(received[0].Headers["webhook-id"], received[^1].Headers["webhook-id"]);
        Assert.Equal(received[0].Body, received[^1].Body);
        Assert.Equal(types.Count + 1, (await tenant.DeliveriesAsync($"webhook_id={id}&test=true")).Count);
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={id}"));

        _receiver.Respond = _ => Task.FromResult((202, "queued"));
        Assert.True((await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/check", null, HttpStatusCode.OK)).GetProperty("ready").GetBoolean());
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/9{id}/check", null, HttpStatusCode.NotFound);
    }
}

public sealed class WebhookHealthTestsSqlite(AppFixture fixture) : WebhookHealthTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookHealthTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookHealthTests(fixture, postgres), IClassFixture<AppFixture>;
