using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Issue 16, point 6: how far one company can make the platform send. Registrations per company are capped
/// (<c>TechLink:Webhooks:MaxPerCompany</c>), an identical registration is refused naming the one that exists, test sends
/// are rate limited per company (<c>TechLink:RateLimit:TestSendsPerMinute</c>), and a test send's error does not tell a
/// refused connection from a silent one. Point 9: a receiver reached only because <c>AllowedNetworks</c> lets it be
/// (loopback here) shows its status, never its answer.
/// </summary>
public abstract class WebhookLimitTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    internal const string Area = "Hostile review, round two";
    private const int Max = 5;
    private const int TestSends = 3;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Webhooks:MaxPerCompany"] = Max.ToString(CultureInfo.InvariantCulture),
        ["TechLink:RateLimit:TestSendsPerMinute"] = TestSends.ToString(CultureInfo.InvariantCulture),
        // A receiver that never answers gives up after a second, so the silent case costs one second.
        ["TechLink:Delivery:Timeout"] = "00:00:01",
    };

    private string Database => Hostile.Answers.Database(App.Provider);

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string type, string url, string? companyId = null) =>
        client.PostAsJsonAsync("/api/v1/webhooks", new { company_id = companyId, type, url });

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await response.ReadAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task Create_OverMaxPerCompany_Answers409AndOneNoteReachesOnlyTheMax()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        for (var i = 0; i < Max; i++) await tenant.CreateWebhookAsync("work order note added", receiver.Url($"/fan{i}"));

        var over = await RegisterAsync(tenant.Client, "work order note added", receiver.Url("/fan-over").ToString());
        var problem = await ProblemAsync(over, HttpStatusCode.Conflict);
        Assert.Contains(Max.ToString(CultureInfo.InvariantCulture), problem.Str("detail"), StringComparison.Ordinal);
        // Staff registering for the company is held to the same limit.
        await ProblemAsync(await RegisterAsync(tenant.Staff, "(any webhooks)", receiver.Url("/fan-staff").ToString(), tenant.CompanyId), HttpStatusCode.Conflict);
        Assert.Equal(Max, (await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items().Count);

        // One note: one delivery per registration, no more.
        var workOrder = await tenant.NewWorkOrderIdAsync();
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{workOrder}/notes", new { content = "fan-out" }, HttpStatusCode.Created);
        var deliveries = await tenant.DeliveriesAsync("event=work order note added");
        await receiver.WaitForAsync(Max, Deadline);
        Assert.Equal(Max, deliveries.Count);

        // The limit counts what exists: after a delete there is room for one more.
        var first = (await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items()[0].Str("webhook_id");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Client.DeleteAsync($"/api/v1/webhooks/{first}")).StatusCode);
        await (await RegisterAsync(tenant.Client, "work order note added", receiver.Url("/fan-again").ToString())).ReadAsync(HttpStatusCode.Created);

        ReliabilityLog.Record(Area, $"registrations past TechLink:Webhooks:MaxPerCompany ({Max}) by the client and by staff, then one note ({Database})",
            tries: 2, lost: deliveries.Count - Max, detail: $"both answered 409 problem details; one note made {deliveries.Count} deliveries for {Max} registrations");
    }

    [Fact]
    public async Task Create_ConcurrentPastTheMax_ExactlyTheMaxIsCreated()
    {
        var tenant = await App.NewTenantAsync();
        var attempts = 4 * Max;
        var answers = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            RegisterAsync(tenant.Client, "site created", $"https://hooks.example.com/parallel/{i}")));
        var statuses = answers.Select(a => a.StatusCode).ToList();
        var created = statuses.Count(s => s == HttpStatusCode.Created);
        var listed = (await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items().Count;

        ReliabilityLog.Record(Area, $"{attempts} parallel registrations for one company, MaxPerCompany {Max} ({Database})",
            tries: attempts, lost: Math.Max(0, listed - Max), detail: $"{created} created, {statuses.Count(s => s == HttpStatusCode.Conflict)} answered 409, {listed} listed");
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict, $"answered {(int)s}"));
        Assert.Equal(Max, created);
        Assert.Equal(Max, listed);
    }

    [Fact]
    public async Task Create_IdenticalTypeAndUrl_Answers409NamingTheExistingRegistration()
    {
        var tenant = await App.NewTenantAsync();
        var existing = (await tenant.CreateWebhookAsync("site created", new Uri("https://hooks.example.com/techlink/hook"), enabled: false)).Str("webhook_id");

        // Scheme and host case, the default port, one trailing slash and a fragment (never sent) do not make another endpoint.
        string[] same =
        [
            "https://hooks.example.com/techlink/hook",
            "HTTPS://Hooks.Example.COM/techlink/hook",
            "https://hooks.example.com:443/techlink/hook",
            "https://hooks.example.com/techlink/hook/",
            "https://hooks.example.com/techlink/hook#top",
        ];
        var refused = 0;
        foreach (var url in same)
        {
            var problem = await ProblemAsync(await RegisterAsync(tenant.Client, "site created", url), HttpStatusCode.Conflict);
            Assert.Equal(existing, problem.Str("webhook_id"));
            Assert.Contains(existing, problem.Str("detail"), StringComparison.Ordinal);
            refused++;
        }

        await ProblemAsync(await RegisterAsync(tenant.Staff, "site created", same[0], tenant.CompanyId), HttpStatusCode.Conflict);

        // Another type, scheme, path (paths are case-sensitive) or query is another registration.
        string[] other = ["http://hooks.example.com/techlink/hook", "https://hooks.example.com/TechLink/hook", "https://hooks.example.com/techlink/hook?b=1"];
        foreach (var url in other) await (await RegisterAsync(tenant.Client, "site created", url)).ReadAsync(HttpStatusCode.Created);
        var otherType = (await (await RegisterAsync(tenant.Client, "site updated", same[0])).ReadAsync(HttpStatusCode.Created)).Str("webhook_id");

        // An update that would make a registration identical to another is refused the same way; saving itself is not.
        var patch = await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{otherType}", new { type = "site created" });
        Assert.Equal(existing, (await ProblemAsync(patch, HttpStatusCode.Conflict)).Str("webhook_id"));
        await tenant.Client.PutJsonAsync($"/api/v1/webhooks/{existing}", new { type = "site created", url = same[3] });
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{existing}", new { enabled = true });

        // Another company may register the same URL.
        var other2 = await App.NewTenantAsync();
        await other2.CreateWebhookAsync("site created", new Uri(same[0]));

        ReliabilityLog.Record(Area, $"identical registrations (same type, URL spelled {same.Length} ways, by client, staff and PATCH) ({Database})",
            tries: same.Length + 2, lost: same.Length - refused, detail: "each answered 409 naming the existing webhook_id; other type, scheme, path case and query were accepted");
    }

    [Fact]
    public async Task TestSend_PastTheLimit_Answers429WithRetryAfterAndOtherCompaniesStillSend()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/limited"))).Str("webhook_id");
        for (var i = 0; i < TestSends; i++) await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/test", new { }, HttpStatusCode.OK);

        var limited = await tenant.Client.PostAsJsonAsync($"/api/v1/webhooks/{hook}/test", new { });
        var problem = await ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Contains("test send", problem.Str("detail"), StringComparison.OrdinalIgnoreCase);
        // The limit is the company's, whoever asks: staff testing the same registration waits too.
        await ProblemAsync(await tenant.Staff.PostAsJsonAsync($"/api/v1/webhooks/{hook}/test", new { }), HttpStatusCode.TooManyRequests);
        Assert.Equal(TestSends, receiver.Received.Count(r => r.Path == "/limited"));

        // Another company is not starved by this one.
        var other = await App.NewTenantAsync();
        var otherHook = (await other.CreateWebhookAsync("site created", receiver.Url("/other"))).Str("webhook_id");
        var answer = await other.Client.PostJsonAsync($"/api/v1/webhooks/{otherHook}/test", new { }, HttpStatusCode.OK);
        Assert.True(answer.GetProperty("success").GetBoolean());

        ReliabilityLog.Record(Area, $"test sends past TechLink:RateLimit:TestSendsPerMinute ({TestSends}) by the client and staff, another company alongside ({Database})",
            tries: 2, lost: receiver.Received.Count(r => r.Path == "/limited") - TestSends,
            detail: $"429 problem details with Retry-After {retryAfter.Value.TotalSeconds:0} s; the other company's test send went through");
    }

    [Fact]
    public async Task TestSend_RefusedAndSilentReceivers_AnswerTheSameError()
    {
        await using var silent = await LoopbackReceiver.StartAsync();
        var never = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        silent.Respond = _ => never.Task;
        try
        {
            var tenant = await App.NewTenantAsync();
            // Nothing listens on port 9 (refused at once); the silent receiver accepts and never answers (a timeout).
            var closed = (await tenant.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/closed"))).Str("webhook_id");
            var quiet = (await tenant.CreateWebhookAsync("site created", silent.Url("/silent"))).Str("webhook_id");
            var refused = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{closed}/test", new { }, HttpStatusCode.OK);
            var timedOut = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{quiet}/test", new { }, HttpStatusCode.OK);
            await silent.WaitForAsync(1, Deadline);

            foreach (var answer in new[] { refused, timedOut })
            {
                Assert.False(answer.GetProperty("success").GetBoolean());
                Assert.Equal(JsonValueKind.Null, answer.GetProperty("status_code").ValueKind);
            }

            ReliabilityLog.Record(Area, $"test send error text as a port scan oracle: a refused port and an accepting but silent one ({Database})",
                tries: 2, lost: refused.Str("error") == timedOut.Str("error") ? 0 : 1, detail: $"both answered \"{refused.Str("error")}\"");
            Assert.Equal(refused.Str("error"), timedOut.Str("error"));
            Assert.DoesNotContain("refused", refused.Str("error"), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            never.TrySetResult((200, "late"));
        }
    }

    [Fact]
    public async Task Register_AnyPortInSandbox_IsAccepted()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("site created", new Uri("https://hooks.example.com:22/ssh"));
        await tenant.CreateWebhookAsync("site created", new Uri("http://hooks.example.com:6379/redis"));
    }

    [Fact]
    public async Task TestSendAndDeliveryLog_ReceiverOnAllowedLoopback_ShowStatusButNotTheAnswer()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var secret = "local-service-secret-" + Guid.NewGuid().ToString("N");
        var status = 200;
        receiver.Respond = _ => Task.FromResult((status, $"{{\"token\":\"{secret}\"}}"));
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/local"))).Str("webhook_id");

        var ok = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/test", new { }, HttpStatusCode.OK);
        status = 500;
        var failed = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/test", new { }, HttpStatusCode.OK);

        Assert.True(ok.GetProperty("success").GetBoolean());
        Assert.Equal(200, ok.GetProperty("status_code").GetInt32());
        Assert.False(failed.GetProperty("success").GetBoolean());
        Assert.Equal(500, failed.GetProperty("status_code").GetInt32());
        Assert.Equal("HTTP 500", failed.Str("error"));
        foreach (var answer in new[] { ok, failed })
        {
            Assert.Equal(JsonValueKind.Null, answer.GetProperty("response_body").ValueKind);
            Assert.True(answer.GetProperty("response_body_withheld").GetBoolean());
        }

        // The delivery log keeps the status of a real delivery, not the answer either.
        await tenant.CreateSiteAsync();
        var delivery = await DeliveryTests.WaitForStatusAsync(tenant, hook, "failed");
        var full = await tenant.Client.GetAsync($"/api/v1/webhooks/deliveries/{delivery.Str("delivery_id")}");
        var text = await full.Content.ReadAsStringAsync();
        var attempts = (await full.ReadAsync(HttpStatusCode.OK)).GetProperty("attempts").EnumerateArray().ToList();
        Assert.NotEmpty(attempts);
        Assert.All(attempts, a =>
        {
            Assert.Equal(500, a.GetProperty("status_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, a.GetProperty("response_excerpt").ValueKind);
        });

        var leaks = new[] { ok.GetRawText(), failed.GetRawText(), text }.Count(t => t.Contains(secret, StringComparison.Ordinal));
        ReliabilityLog.Record(Area, $"answer bodies of a loopback receiver allowed by AllowedNetworks: two test sends and a real delivery's log ({Database})",
            tries: 3, lost: leaks, detail: $"status shown (200, 500), response_body and response_excerpt null; {attempts.Count} logged attempts");
        Assert.Equal(0, leaks);
    }
}

public sealed class WebhookLimitTestsSqlite(AppFixture fixture) : WebhookLimitTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookLimitTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookLimitTests(fixture, postgres), IClassFixture<AppFixture>;
