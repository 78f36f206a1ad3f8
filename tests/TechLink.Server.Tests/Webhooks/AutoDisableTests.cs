using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Health;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Auto-disable with its email, against a real SMTP server on loopback: two failed deliveries, the oldest over an hour
/// old, disable the registration once and mail each active user with an address once; not before the hour.
/// </summary>
public abstract class AutoDisableTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private LoopbackReceiver _receiver = null!;

    protected LoopbackSmtp Smtp { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["TechLink:Delivery:MaxAttempts"] = "1",
        ["TechLink:Delivery:AutoDisable:FailedDeliveries"] = "2",
        ["TechLink:Delivery:AutoDisable:FailingFor"] = "01:00:00",
        ["TechLink:Smtp:Host"] = "127.0.0.1",
        ["TechLink:Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["TechLink:Smtp:From"] = "notices@techlink.test",
    };

    public override async Task InitializeAsync()
    {
        // One SMTP server per class, like the app it is configured into.
        Smtp = await Fixture.SharedAsync("smtp", LoopbackSmtp.StartAsync);
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
        _receiver.Respond = _ => Task.FromResult((500, "down"));
    }

    public override async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>Two active users with an address, one inactive, one without an address; answers the two addresses.</summary>
    private static async Task<string[]> AddUsersAsync(Tenant tenant)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var emails = new[] { $"ann-{tag}@client.test", $"bob-{tag}@client.test" };
        foreach (var (email, i) in emails.Select((e, i) => (e, i)))
        {
            await tenant.Client.PostJsonAsync("/api/v1/users", new { username = $"u{i}-{tag}", first_name = "User", last_name = i.ToString(System.Globalization.CultureInfo.InvariantCulture), email }, HttpStatusCode.Created);
        }

        var gone = await tenant.Client.PostJsonAsync("/api/v1/users", new { username = $"gone-{tag}", email = $"gone-{tag}@client.test" }, HttpStatusCode.Created);
        await tenant.Client.PatchJsonAsync($"/api/v1/users/{gone.Str("user_id")}", new { is_active = false });
        await tenant.Client.PostJsonAsync("/api/v1/users", new { username = $"nomail-{tag}" }, HttpStatusCode.Created);
        return emails;
    }

    /// <summary>A failed delivery of the registration created long ago, and the health the engine would have kept for it.</summary>
    private async Task SeedOldFailureAsync(string webhookId, TimeSpan age)
    {
        var endpoint = long.Parse(webhookId, System.Globalization.CultureInfo.InvariantCulture);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var registration = await db.WebhookRegistrations.SingleAsync(r => r.Id == endpoint);
        var created = DateTime.UtcNow - age;
        created = new DateTime(created.Ticks - (created.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        db.Deliveries.Add(new DeliveryRecord
        {
            Message = new OutboxMessage { TenantId = registration.CompanyId, EventType = "site created", Payload = "{}", CreatedAt = created },
            EndpointId = endpoint, TenantId = registration.CompanyId, WebhookMessageId = "msg_" + Guid.NewGuid().ToString("N"),
            Status = DeliveryStatus.Failed, AttemptCount = 1, NextAttemptAt = created, CreatedAt = created, CompletedAt = created, LastError = "HTTP 500",
        });
        var health = await db.EndpointHealth.FirstOrDefaultAsync(h => h.EndpointId == endpoint);
        if (health is null) db.EndpointHealth.Add(health = new EndpointHealth { EndpointId = endpoint });
        health.ConsecutiveFailedDeliveries++;
        health.FailingSince = health.FailingSince is { } since && since < created ? since : created;
        health.LastFailureAt = created;
        await db.SaveChangesAsync();
    }

    private static async Task<JsonElement> WaitForDisabledAsync(Tenant tenant, string webhookId)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var hook = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{webhookId}");
            if (!hook.GetProperty("enabled").GetBoolean()) return hook;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{webhookId} was never disabled: {hook}");
            await Task.Delay(100);
        }
    }

    private async Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(string[] emails)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            // The count is read before ours are: a mail that arrives in between ends the wait at once instead of being
            // counted in the number waited for (then waiting for one more that never comes).
            var seen = Smtp.Mails.Count;
            if (MailsTo(emails).Count >= emails.Length) break;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{MailsTo(emails).Count} of {emails.Length} mails arrived");
            await Smtp.WaitForAsync(seen + 1, left);
        }

        return MailsTo(emails);
    }

    /// <summary>
    /// Notices go out one after another: a marker notice queued now arrives after any duplicate of ours would have, so
    /// once it is here, the count of ours is final.
    /// </summary>
    private async Task AssertNoMoreMailsAsync(string[] emails)
    {
        var marker = await App.NewTenantAsync();
        var markerEmails = await AddUsersAsync(marker);
        var markerId = (await marker.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await SeedOldFailureAsync(markerId, TimeSpan.FromHours(3));
        await SeedOldFailureAsync(markerId, TimeSpan.FromHours(2));
        await App.Services.GetRequiredService<AutoDisabler>().EndpointsFailingAsync(
            [new FailingEndpoint(long.Parse(markerId, System.Globalization.CultureInfo.InvariantCulture), 2, DateTime.UtcNow.AddHours(-3))], default);
        await WaitForMailsAsync(markerEmails);
        Assert.Equal(emails.Order(), MailsTo(emails).SelectMany(m => m.To).Order());
    }

    private IReadOnlyList<ReceivedMail> MailsTo(IEnumerable<string> addresses) =>
        [.. Smtp.Mails.Where(m => m.To.Any(addresses.Contains))];

    [Fact]
    public async Task FailingForOverAnHour_Disabled_OneEmailPerActiveUser_ReEnableClearsTheReason()
    {
        var tenant = await App.NewTenantAsync();
        var emails = await AddUsersAsync(tenant);
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await SeedOldFailureAsync(id, TimeSpan.FromHours(2));

        await tenant.CreateSiteAsync();
        var hook = await WaitForDisabledAsync(tenant, id);
        var health = hook.GetProperty("health");
        Assert.Equal("disabled", health.Str("state"));
        Assert.StartsWith("Disabled automatically", health.Str("disabled_reason"), StringComparison.Ordinal);
        Assert.NotNull(health.GetProperty("disabled_at").GetString());

        var mails = await WaitForMailsAsync(emails);
        Assert.Equal(emails.Order(), mails.SelectMany(m => m.To).Order());
        Assert.All(mails, m => Assert.Contains($"webhook {id} was disabled", m.Raw, StringComparison.Ordinal));
        Assert.All(mails, m => Assert.Equal("notices@techlink.test", m.From));

        // Told again (another node, the next batch): nothing happens twice.
        var disabler = App.Services.GetRequiredService<AutoDisabler>();
        await disabler.EndpointsFailingAsync([new FailingEndpoint(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), 2, DateTime.UtcNow.AddHours(-2))], default);
        await AssertNoMoreMailsAsync(emails);

        var enabled = await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { enabled = true });
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("health").GetProperty("disabled_reason").ValueKind);
        Assert.Equal(0, enabled.GetProperty("health").GetProperty("consecutive_failed_deliveries").GetInt32());
    }

    [Fact]
    public async Task ToldBySeveralNodesAtOnce_DisablesOnce_MailsOnce()
    {
        var tenant = await App.NewTenantAsync();
        var emails = await AddUsersAsync(tenant);
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await SeedOldFailureAsync(id, TimeSpan.FromHours(3));
        await SeedOldFailureAsync(id, TimeSpan.FromHours(2));
        var endpoint = long.Parse(id, System.Globalization.CultureInfo.InvariantCulture);

        var disabler = App.Services.GetRequiredService<AutoDisabler>();
        var told = new FailingEndpoint(endpoint, 2, DateTime.UtcNow.AddHours(-3));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => disabler.EndpointsFailingAsync([told], default))));
        Assert.False((await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}")).GetProperty("enabled").GetBoolean());
        await WaitForMailsAsync(emails);
        // One more notice would be queued behind any other; mail another company's disable and wait for it to know ours were all.
        await AssertNoMoreMailsAsync(emails);

        // One audit entry, by the system, with the reason: written in the disable's own transaction.
        var audit = (await tenant.Client.GetJsonAsync("/api/v1/audit?limit=1000")).Items().Where(e => e.Str("target_id") == id && e.Str("action") == "webhook.disabled").ToList();
        var entry = Assert.Single(audit);
        Assert.Equal("system", entry.Str("actor"));
        Assert.StartsWith("Disabled automatically", entry.GetProperty("changes").GetProperty("disabled_reason").Str("to"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingForLessThanTheTime_StaysEnabled_NoEmail()
    {
        var tenant = await App.NewTenantAsync();
        var emails = await AddUsersAsync(tenant);
        var id = (await tenant.CreateWebhookAsync("site created", _receiver.Url())).Str("webhook_id");
        await tenant.CreateSiteAsync();
        await tenant.CreateSiteAsync();
        await tenant.CreateSiteAsync();
        await DeliveryTests.WaitForStatusAsync(tenant, id, "failed", 3);

        var disabler = App.Services.GetRequiredService<AutoDisabler>();
        Assert.Null(await disabler.DisableAsync(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), default));
        var hook = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}");
        Assert.True(hook.GetProperty("enabled").GetBoolean());
        Assert.Equal("failing", hook.GetProperty("health").Str("state"));
        Assert.Equal(3, hook.GetProperty("health").GetProperty("consecutive_failed_deliveries").GetInt32());
        Assert.Empty(MailsTo(emails));
    }
}

public sealed class AutoDisableTestsSqlite(AppFixture fixture) : AutoDisableTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class AutoDisableTestsPostgres(AppFixture fixture, PostgresFixture postgres) : AutoDisableTests(fixture, postgres), IClassFixture<AppFixture>;
