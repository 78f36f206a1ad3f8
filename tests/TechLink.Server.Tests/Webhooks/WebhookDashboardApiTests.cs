using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Issue 15, what the webhook dashboard needs of the API, on both providers: the 2,048-character URL limit on POST, PUT
/// and PATCH; the log's <c>status=retrying</c> and <c>test=all</c>; request headers stored as sent (a signature's '+').
/// </summary>
public abstract class WebhookDashboardApiTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Delivery:MaxAttempts"] = "3",
        ["TechLink:Delivery:RetryDelayMin"] = "01:00:00",
        ["TechLink:Delivery:RetryDelayMax"] = "01:00:00",
        ["TechLink:RateLimit:TestSendsPerMinute"] = "1000",
    };

    private LoopbackReceiver _receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
    }

    public override async Task DisposeAsync() => await _receiver.DisposeAsync();

    private string UrlOfLength(int length)
    {
        var start = _receiver.Url("/long?pad=").ToString();
        return start + new string('a', length - start.Length);
    }

    [Fact]
    public async Task Url_Over2048Characters_Is400NamingUrl_OnPostPutAndPatch()
    {
        var tenant = await App.NewTenantAsync();
        var longest = UrlOfLength(2048);
        var tooLong = UrlOfLength(2049);

        var created = await tenant.Client.PostJsonAsync("/api/v1/webhooks", new { type = "site created", url = longest }, HttpStatusCode.Created);
        Assert.Equal(2048, created.Str("url").Length);
        var id = created.Str("webhook_id");

        var refused = await tenant.Client.PostJsonAsync("/api/v1/webhooks", new { type = "site updated", url = tooLong }, HttpStatusCode.BadRequest);
        Assert.Contains("2048", refused.GetProperty("errors").GetProperty("url")[0].GetString(), StringComparison.Ordinal);
        var patched = await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { url = tooLong }, HttpStatusCode.BadRequest);
        Assert.True(patched.GetProperty("errors").TryGetProperty("url", out _), patched.ToString());
        var put = await tenant.Client.PutJsonAsync($"/api/v1/webhooks/{id}", new { type = "site created", url = tooLong }, HttpStatusCode.BadRequest);
        Assert.True(put.GetProperty("errors").TryGetProperty("url", out _), put.ToString());
        Assert.Equal(longest, (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}")).Str("url"));
    }

    [Fact]
    public async Task StatusRetrying_ListsPendingDeliveriesWithAFailedAttempt_NotUnattemptedOnes()
    {
        _receiver.Respond = _ => Task.FromResult((500, "down"));
        var tenant = await App.NewTenantAsync();
        var failing = (await tenant.CreateWebhookAsync("site created", _receiver.Url("/failing"))).Str("webhook_id");
        var paused = (await tenant.CreateWebhookAsync("site created", _receiver.Url("/paused"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{paused}/pause", null, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();

        var deadline = DateTime.UtcNow + Deadline;
        while ((await tenant.DeliveriesAsync($"webhook_id={failing}")).Single().GetProperty("attempt_count").GetInt32() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first attempt never happened");
            await Task.Delay(50);
        }

        var retrying = Assert.Single(await tenant.DeliveriesAsync("status=retrying"));
        Assert.Equal(failing, retrying.Str("webhook_id"));
        Assert.Equal("pending", retrying.Str("status"));
        Assert.Equal(2, (await tenant.DeliveriesAsync("status=pending")).Count);
        Assert.Empty(await tenant.DeliveriesAsync("status=failed"));
        Assert.Empty(await tenant.DeliveriesAsync($"status=retrying&webhook_id={paused}"));
        var bad = await tenant.Client.GetJsonAsync("/api/v1/webhooks/deliveries?status=retried", HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("status", out _), bad.ToString());
    }

    [Fact]
    public async Task TestAll_ListsRealDeliveriesAndTestSendsTogether()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url("/both"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/test", new { }, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();

        var all = await tenant.DeliveriesAsync($"webhook_id={id}&test=all");
        Assert.Equal(2, all.Count);
        Assert.Equal([false, true], all.Select(d => d.GetProperty("test").GetBoolean()).Order());
        Assert.Single(await tenant.DeliveriesAsync($"webhook_id={id}"));
        Assert.Single(await tenant.DeliveriesAsync($"webhook_id={id}&test=true"));
        var bad = await tenant.Client.GetJsonAsync("/api/v1/webhooks/deliveries?test=both", HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("test", out _), bad.ToString());
    }

    [Fact]
    public async Task RequestHeaders_StoredAsSent_ASignaturesPlusIsNotEscaped()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url("/plus"))).Str("webhook_id");
        // A signature is base64: some of twenty sends carry a '+' or '/' (each one does with a chance of 1 - (63/64)^43, about a half).
        string? sent = null;
        for (var i = 0; i < 20 && sent is null; i++)
        {
            await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/test", new { }, HttpStatusCode.OK);
            var last = _receiver.Received.Last(r => r.Path == "/plus").Headers["webhook-signature"];
            if (last.Contains('+', StringComparison.Ordinal)) sent = last;
        }

        Assert.NotNull(sent);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var stored = await db.DeliveryAttempts.AsNoTracking().Select(a => a.RequestHeaders).ToListAsync();
        var raw = Assert.Single(stored, h => h is not null && h.Contains(sent, StringComparison.Ordinal));
        Assert.DoesNotContain("\\u002B", raw!, StringComparison.Ordinal);
        Assert.Equal(sent, JsonDocument.Parse(raw!).RootElement.GetProperty("webhook-signature").GetString());
    }
}

public sealed class WebhookDashboardApiTestsSqlite(AppFixture fixture) : WebhookDashboardApiTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookDashboardApiTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookDashboardApiTests(fixture, postgres), IClassFixture<AppFixture>;
