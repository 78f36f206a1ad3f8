using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>Deliveries end to end: the dispatcher inside the server posts to a real Kestrel receiver on loopback.</summary>
public abstract class DeliveryTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Delivery:RetryDelayMin"] = "00:00:01",
        ["TechLink:Delivery:RetryDelayMax"] = "00:00:01",
        // The loopback receiver stands in for a public one here, whose answers are shown; WebhookLimitTests checks that a
        // receiver reached only through AllowedNetworks shows its status alone (the default).
        ["TechLink:Delivery:ShowPrivateAnswers"] = "true",
    };

    private LoopbackReceiver _receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
    }

    public override async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>Mutations that write every one of the 21 event types at least once.</summary>
    internal static async Task EmitEveryTypeAsync(Tenant t)
    {
        var user = await t.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8], first_name = "Jane" }, HttpStatusCode.Created);
        await t.Client.PatchJsonAsync($"/api/v1/users/{user.Str("user_id")}", new { last_name = "Doe" });
        var site = (await t.CreateSiteAsync()).Str("site_id");
        await t.Client.PatchJsonAsync($"/api/v1/sites/{site}", new { city = "Portland" });
        var wo = (await t.CreateWorkOrderAsync(site)).Str("workorder_id");
        await t.Client.PatchJsonAsync($"/api/v1/workorders/{wo}", new { title = "Updated" });
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "20" }, HttpStatusCode.OK);
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start = "2026-12-01 09:00:00" }, HttpStatusCode.OK);
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "John Smith", tech_phone = "123" }, HttpStatusCode.OK);
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "John Smith", tech_phone = "123" }, HttpStatusCode.OK);
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition = "complete" }, HttpStatusCode.OK);
        await t.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "<p>done</p>" }, HttpStatusCode.Created);
        await (await t.UploadAsync(t.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "p.png")).ReadAsync(HttpStatusCode.Created);
        var q = await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Tested?" }, HttpStatusCode.Created);
        await t.Staff.PutJsonAsync($"/api/v1/workorders/{wo}/questions/{q.Str("question_id")}/answer", new { answer = "Yes" });
        await (await t.UploadAsync(t.Staff, $"/api/v1/workorders/{wo}/closeout-documents", "%PDF"u8.ToArray(), "application/pdf", "c.pdf")).ReadAsync(HttpStatusCode.Created);
        await (await t.UploadAsync(t.Client, $"/api/v1/workorders/{wo}/client-documents", "doc"u8.ToArray(), "text/plain", "d.txt")).ReadAsync(HttpStatusCode.Created);
        var task = await t.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Label" }, HttpStatusCode.Created);
        await t.Client.PatchJsonAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}", new { status = "completed" });
        (await t.Client.DeleteAsync($"/api/v1/workorders/{wo}/tasks/{task.Str("task_id")}")).EnsureSuccessStatusCode();
        await t.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/close", null, HttpStatusCode.OK);
        var other = (await t.CreateWorkOrderAsync(site)).Str("workorder_id");
        await t.Client.PostJsonAsync($"/api/v1/workorders/{other}/cancel", null, HttpStatusCode.OK);
    }

    [Fact]
    public async Task EveryEventType_AnyWebhooksRegistration_ArrivesAsFeedPayloadSignedWithToken()
    {
        var tenant = await App.NewTenantAsync();
        var webhook = await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/all"), token: "s3cret-token-value");
        Assert.Equal("**************alue", webhook.Str("token"));
        Assert.StartsWith("whsec_", webhook.Str("signing_secret"), StringComparison.Ordinal);
        await EmitEveryTypeAsync(tenant);
        var events = await tenant.EventsAsync();
        Assert.Equal(TechLinkEventTypes.All.Order(), events.Select(e => e.Str("type")).Distinct().Order());

        var received = await _receiver.WaitForAsync(events.Count, Deadline);
        var deliveries = await tenant.DeliveriesAsync();
        var eventOfWebhookId = deliveries.ToDictionary(d => d.Str("message_id"), d => d.Str("event_id"));
        foreach (var e in events)
        {
            var request = Assert.Single(received, r => eventOfWebhookId[r.Headers["webhook-id"]] == e.Str("event_id"));
            // A file URL is signed when it is sent and when the feed is read (issue 17): equal but for its token and expiry.
            Assert.True(Json.JsonEquals(WithoutUrlToken(request.Body), JsonDocument.Parse(WithoutUrlToken(e.GetProperty("payload").GetRawText())).RootElement),
                $"{e.Str("type")}: body {request.Body} differs from the feed's {e.GetProperty("payload")}");
            Assert.Equal("POST", request.Method);
            Assert.Equal("/all", request.Path);
            Assert.Equal("application/json", request.Headers["content-type"]);
            Assert.Equal("s3cret-token-value", request.Headers["x-token"]);
            Assert.Matches(@"^TechLink-Webhooks/\d+\.\d+\.\d+$", request.Headers["user-agent"]);
            Assert.True(Signatures.Verifies(request, webhook.Str("signing_secret")), $"signature of {e.Str("type")} does not verify");
        }
    }

    private static string WithoutUrlToken(string payload)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(payload)!;
        if (root["data"]?["url"]?.GetValue<string>() is { } url && url.LastIndexOf("/files/", StringComparison.Ordinal) is var at and >= 0)
        {
            root["data"]!["url"] = url[..(at + "/files/".Length)];
            root["data"]!["url_expires_at"] = "(signed when read)";
        }

        return root.ToJsonString();
    }

    [Fact]
    public async Task Delivery_RegistrationWithoutToken_SendsNoXTokenAndSignatureFailsWithOtherSecret()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("site created", _receiver.Url("/plain"));
        var other = await App.NewTenantAsync();
        var otherHook = await other.CreateWebhookAsync("site created", _receiver.Url("/other"));
        await tenant.CreateSiteAsync();
        var request = Assert.Single(await _receiver.WaitForAsync(1, Deadline));
        Assert.False(request.Headers.ContainsKey("x-token"));
        Assert.False(Signatures.Verifies(request, otherHook.Str("signing_secret")));
    }

    [Fact]
    public async Task Delivery_ReceiverFailsOnceThenOk_RetriedWithSameWebhookIdAndLogged()
    {
        var tenant = await App.NewTenantAsync();
        var webhook = await tenant.CreateWebhookAsync("site created", _receiver.Url("/flaky"));
        var calls = 0;
        _receiver.Respond = _ => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? (500, "boom") : (200, "ok"));
        await tenant.CreateSiteAsync();
        var received = await _receiver.WaitForAsync(2, Deadline);
        Assert.Equal(received[0].Headers["webhook-id"], received[1].Headers["webhook-id"]);
        Assert.All(received, r => Assert.True(Signatures.Verifies(r, webhook.Str("signing_secret"))));
        Assert.Equal(received[0].Body, received[1].Body);

        var delivery = await WaitForStatusAsync(tenant, webhook.Str("webhook_id"), "succeeded");
        Assert.Equal(received[0].Headers["webhook-id"], delivery.Str("message_id"));
        var attempts = delivery.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([1, 2], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal(500, attempts[0].GetProperty("status_code").GetInt32());
        Assert.NotNull(attempts[0].GetProperty("error").GetString());
        Assert.Equal(200, attempts[1].GetProperty("status_code").GetInt32());
        Assert.True(attempts[1].GetProperty("duration_ms").GetInt64() >= 0);
        Assert.InRange(received[1].ReceivedAt - received[0].ReceivedAt, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(30));
    }

    internal static async Task<JsonElement> WaitForStatusAsync(Tenant tenant, string webhookId, string status, int count = 1)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var items = await tenant.DeliveriesAsync($"webhook_id={webhookId}&status={status}");
            if (items.Count >= count) return items[0];
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {status} delivery for webhook {webhookId}: {JsonSerializer.Serialize(await tenant.DeliveriesAsync())}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task FanOut_ThreeRegistrations_EachGetsItsOwnSignedCopy()
    {
        var tenant = await App.NewTenantAsync();
        var hooks = new List<JsonElement>
        {
            await tenant.CreateWebhookAsync("site created", _receiver.Url("/a")),
            await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/b")),
            await tenant.CreateWebhookAsync("(all current webhooks)", _receiver.Url("/c")),
        };
        await tenant.CreateSiteAsync();
        var received = await _receiver.WaitForAsync(3, Deadline);
        Assert.Equal(["/a", "/b", "/c"], received.Select(r => r.Path).Order());
        Assert.Equal(3, received.Select(r => r.Headers["webhook-id"]).Distinct().Count());
        Assert.Single(received.Select(r => r.Body).Distinct());
        foreach (var (path, hook) in new[] { "/a", "/b", "/c" }.Zip(hooks))
        {
            Assert.True(Signatures.Verifies(received.Single(r => r.Path == path), hook.Str("signing_secret")));
        }
    }

    [Fact]
    public async Task DisabledRegistration_EventHappens_GetsNothing()
    {
        var tenant = await App.NewTenantAsync();
        var disabled = await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/off"), enabled: false);
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        var paused = await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/paused"));
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{paused.Str("webhook_id")}", new { enabled = false });
        await tenant.CreateWebhookAsync("site created", _receiver.Url("/on"));
        await tenant.CreateSiteAsync();
        await _receiver.WaitForAsync(1, Deadline, r => r.Path == "/on");
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={disabled.Str("webhook_id")}"));
        Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={paused.Str("webhook_id")}"));
        Assert.DoesNotContain(_receiver.Received, r => r.Path is "/off" or "/paused");
    }

    [Fact]
    public async Task PlainRegistration_OtherEventTypes_NotSent()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("work order note added", _receiver.Url("/notes"));
        Assert.Equal(["work order note added"], hook.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "n" }, HttpStatusCode.Created);
        var request = Assert.Single(await _receiver.WaitForAsync(1, Deadline));
        Assert.Contains("work order note added", request.Body, StringComparison.Ordinal);
        Assert.Single(await tenant.DeliveriesAsync());
    }

    [Theory]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://user:pass@example.com/hook")]
    [InlineData("/relative/hook")]
    [InlineData("hook")]
    [InlineData("ftp://example.com/hook")]
    public async Task CreateWebhook_RefusedUrl_Answers400OnUrl(string url)
    {
        var tenant = await App.NewTenantAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new { type = "site created", url })).AssertValidationAsync("url");
        Assert.Empty((await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items());
    }

    [Theory]
    [InlineData("abc\r\nX-Evil: 1")]
    [InlineData("abc\ndef")]
    public async Task CreateWebhook_TokenWithLineBreak_Answers400OnToken(string token)
    {
        var tenant = await App.NewTenantAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new { type = "site created", url = "https://example.com/hook", token })).AssertValidationAsync("token");
    }

    [Fact]
    public async Task CreateWebhook_UnknownType_Answers400OnType()
    {
        var tenant = await App.NewTenantAsync();
        await (await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new { type = "site exploded", url = "https://example.com/hook" })).AssertValidationAsync("type");
    }

    [Fact]
    public async Task Webhooks_GetListPutDelete_RoundTrip()
    {
        var tenant = await App.NewTenantAsync();
        var created = await tenant.CreateWebhookAsync("(any webhooks)", new Uri("https://example.com/hook"), token: "abcdefgh12");
        var id = created.Str("webhook_id");
        Assert.Equal(["*"], created.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.True(created.GetProperty("enabled").GetBoolean());
        var got = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}");
        Assert.False(got.TryGetProperty("signing_secret", out var s) && s.ValueKind != JsonValueKind.Null);
        Assert.Equal("******gh12", got.Str("token"));
        Json.AssertJsonEqual(got, Assert.Single((await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items()));
        var put = await tenant.Client.PutJsonAsync($"/api/v1/webhooks/{id}", new { type = "site created", url = "https://example.com/other" });
        Assert.Equal(["site created"], put.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, put.GetProperty("token").ValueKind);
        await (await tenant.Client.DeleteAsync($"/api/v1/webhooks/{id}")).ReadAsync(HttpStatusCode.NoContent);
        await (await tenant.Client.GetAsync($"/api/v1/webhooks/{id}")).ReadAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EventTypes_List_HasAll21AndTheTwoSpecialTypes()
    {
        var tenant = await App.NewTenantAsync();
        var items = (await tenant.Client.GetJsonAsync("/api/v1/webhooks/event-types")).Items();
        var names = items.Select(i => i.Str("type")).ToList();
        foreach (var type in SpecTypes) Assert.Contains(type, names);
        Assert.Contains("(all current webhooks)", names);
        Assert.Contains("(any webhooks)", names);
        Assert.All(items.Where(i => SpecTypes.Contains(i.Str("type"))), i => Assert.Equal(i.Str("type"), i.GetProperty("sample").Str("event")));
    }

    internal static readonly string[] SpecTypes =
    [
        "account created", "account updated", "site created", "site updated", "work order created", "work order updated",
        "work order status change", "work order scheduled", "work order assigned", "work order tech on-site", "work order tech off-site",
        "work order closed", "work order cancelled", "work order note added", "work order photo added", "work order question answered",
        "work order close-out document added", "work order client document added", "work order task added", "work order task updated",
        "work order task deleted",
    ];

    [Fact]
    public async Task Secret_GetThenRotate_OldAndNewBothSign()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site created", _receiver.Url("/rotated"));
        var id = hook.Str("webhook_id");
        var old = (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}/secret")).Str("signing_secret");
        Assert.Equal(hook.Str("signing_secret"), old);
        var rotated = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/secret/rotate", null, HttpStatusCode.OK);
        var fresh = rotated.Str("signing_secret");
        Assert.NotEqual(old, fresh);
        Assert.StartsWith("whsec_", fresh, StringComparison.Ordinal);
        Assert.NotNull(rotated.GetProperty("previous_secret_expires_at").GetString());
        Assert.Equal(fresh, (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}/secret")).Str("signing_secret"));

        await tenant.CreateSiteAsync();
        var request = Assert.Single(await _receiver.WaitForAsync(1, Deadline));
        var signatures = request.Headers["webhook-signature"].Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.All(signatures, s => Assert.StartsWith("v1,", s, StringComparison.Ordinal));
        Assert.Equal(1, Signatures.CountVerified(request, fresh));
        Assert.Equal(1, Signatures.CountVerified(request, old));
    }

    [Fact]
    public async Task TestButton_ReceiverOk_AnswersSuccessAndSendsSignedSample()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("work order assigned", _receiver.Url("/test"), token: "tok-12345678");
        _receiver.Respond = _ => Task.FromResult((200, "thanks"));
        var answer = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook.Str("webhook_id")}/test", new { }, HttpStatusCode.OK);
        Assert.True(answer.GetProperty("success").GetBoolean());
        Assert.Equal(200, answer.GetProperty("status_code").GetInt32());
        Assert.True(answer.GetProperty("duration_ms").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("error").ValueKind);
        Assert.Equal("thanks", answer.Str("response_body"));
        var request = Assert.Single(_receiver.Received);
        Assert.Equal("work order assigned", JsonDocument.Parse(request.Body).RootElement.Str("event"));
        Assert.Equal("tok-12345678", request.Headers["x-token"]);
        Assert.True(Signatures.Verifies(request, hook.Str("signing_secret")));
    }

    [Fact]
    public async Task TestButton_ReceiverFails_AnswersFailureWithStatusAndBody()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site created", _receiver.Url("/test"));
        _receiver.Respond = _ => Task.FromResult((503, "down for maintenance"));
        var answer = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook.Str("webhook_id")}/test", new { @event = "work order closed" }, HttpStatusCode.OK);
        Assert.False(answer.GetProperty("success").GetBoolean());
        Assert.Equal(503, answer.GetProperty("status_code").GetInt32());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("error").GetString()));
        Assert.Equal("down for maintenance", answer.Str("response_body"));
        Assert.Equal("work order closed", JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement.Str("event"));
        Assert.Empty(await tenant.DeliveriesAsync());
    }

    [Fact]
    public async Task TestButton_NoBodyAndUnknownEvent_DefaultsAndRefuses()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site updated", _receiver.Url("/test"));
        var answer = await (await tenant.Client.PostAsync($"/api/v1/webhooks/{hook.Str("webhook_id")}/test", null)).ReadAsync(HttpStatusCode.OK);
        Assert.True(answer.GetProperty("success").GetBoolean());
        Assert.Equal("site updated", JsonDocument.Parse(Assert.Single(_receiver.Received).Body).RootElement.Str("event"));
        await (await tenant.Client.PostAsJsonAsync($"/api/v1/webhooks/{hook.Str("webhook_id")}/test", new { @event = "nope" })).AssertValidationAsync("event");
    }

    [Fact]
    public async Task DeliveryLog_FiltersGetAndRedeliver_NewSeriesSameWebhookId()
    {
        var tenant = await App.NewTenantAsync();
        var notes = await tenant.CreateWebhookAsync("work order note added", _receiver.Url("/notes"));
        var all = await tenant.CreateWebhookAsync("(any webhooks)", _receiver.Url("/any"));
        var a = await tenant.NewWorkOrderIdAsync();
        var b = await tenant.NewWorkOrderIdAsync();
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{a}/notes", new { content = "a" }, HttpStatusCode.Created);
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{b}/notes", new { content = "b" }, HttpStatusCode.Created);
        var expected = (await tenant.EventsAsync()).Count + 2;
        await _receiver.WaitForAsync(expected, Deadline);
        await WaitForStatusAsync(tenant, all.Str("webhook_id"), "succeeded", expected - 2);
        await WaitForStatusAsync(tenant, notes.Str("webhook_id"), "succeeded", 2);

        Assert.Equal(2, (await tenant.DeliveriesAsync($"webhook_id={notes.Str("webhook_id")}")).Count);
        Assert.Equal(4, (await tenant.DeliveriesAsync("event=" + Uri.EscapeDataString("work order note added"))).Count);
        var forA = await tenant.DeliveriesAsync($"workorder_id={a}");
        Assert.All(forA, d => Assert.Equal(a, d.Str("workorder_id")));
        Assert.Equal(3, forA.Count); // created + note to (any), note to the notes registration
        Assert.Empty(await tenant.DeliveriesAsync("status=failed"));
        Assert.Equal(expected, (await tenant.DeliveriesAsync("status=succeeded")).Count);
        await (await tenant.Client.GetAsync("/api/v1/webhooks/deliveries?status=lost")).AssertValidationAsync("status");

        var first = (await tenant.DeliveriesAsync($"webhook_id={notes.Str("webhook_id")}&workorder_id={a}")).Single();
        var one = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries/{first.Str("delivery_id")}");
        var feed = (await tenant.EventsAsync()).Single(e => e.Str("event_id") == one.Str("event_id"));
        Json.AssertJsonEqual(feed.GetProperty("payload"), one.GetProperty("payload"));
        var attempt = Assert.Single(one.GetProperty("attempts").EnumerateArray());
        Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
        Assert.NotNull(attempt.GetProperty("started_at").GetString());

        var again = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/deliveries/{first.Str("delivery_id")}/redeliver", null, HttpStatusCode.Accepted);
        Assert.NotEqual(first.Str("delivery_id"), again.Str("delivery_id"));
        Assert.Equal(first.Str("delivery_id"), again.Str("redelivery_of"));
        Assert.Equal(first.Str("message_id"), again.Str("message_id"));
        var copies = await _receiver.WaitForAsync(2, Deadline, r => r.Headers["webhook-id"] == first.Str("message_id"));
        Assert.Equal(copies[0].Body, copies[1].Body);
        var redelivered = await WaitForDeliveryAsync(tenant, again.Str("delivery_id"), "succeeded");
        Assert.Single(redelivered.GetProperty("attempts").EnumerateArray());
    }

    internal static async Task<JsonElement> WaitForDeliveryAsync(Tenant tenant, string deliveryId, string status)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var d = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries/{deliveryId}");
            if (d.Str("status") == status) return d;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"delivery {deliveryId} is {d}");
            await Task.Delay(100);
        }
    }
}

public sealed class DeliveryTestsSqlite(AppFixture fixture) : DeliveryTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class DeliveryTestsPostgres(AppFixture fixture, PostgresFixture postgres) : DeliveryTests(fixture, postgres), IClassFixture<AppFixture>;
