using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// The registrations' services called directly, as the endpoints and the portal call them (issue 13): a refusal leaves
/// nothing behind, not even what the action had changed before it was refused; a success commits the row with its
/// audit entry, and a replay its <c>webhook_replays</c> row with every delivery it queued.
/// </summary>
public abstract class WebhookServiceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static Caller ClientOf(Tenant tenant) => new(IsStaff: false, long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture), "service tests");

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private Task<(int Registrations, int AuditEntries)> CountAsync(Tenant tenant) => InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<TechLinkDbContext>();
        var company = long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture);
        return (await db.WebhookRegistrations.CountAsync(r => r.CompanyId == company),
            await db.AuditEntries.CountAsync(a => a.CompanyId == company && a.TargetType == WebhookAudit.TargetType));
    });

    [Fact]
    public async Task Create_Succeeded_CommitsTheRegistrationAndItsAuditEntry()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<RegistrationService>()
            .CreateAsync(ClientOf(tenant), new WebhookRequest(null, "site created", receiver.Url("/created").ToString(), null, true), CancellationToken.None));

        Assert.True(outcome.Succeeded);
        Assert.StartsWith("whsec_", outcome.Value.SigningSecret, StringComparison.Ordinal);
        Assert.Equal((1, 1), await CountAsync(tenant));
        var listed = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{outcome.Value.WebhookId}");
        Assert.Equal(receiver.Url("/created").ToString(), listed.Str("url"));
    }

    [Fact]
    public async Task Create_IdenticalToAnother_RefusedWith409AndNothingWritten()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var first = (await tenant.CreateWebhookAsync("site created", receiver.Url("/same"))).Str("webhook_id");
        var before = await CountAsync(tenant);

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<RegistrationService>()
            .CreateAsync(ClientOf(tenant), new WebhookRequest(null, "site created", receiver.Url("/same/").ToString(), null, true), CancellationToken.None));

        Assert.Equal(409, outcome.Refusal?.Status);
        Assert.Equal(first, outcome.Refusal!.Extensions["webhook_id"]);
        Assert.Equal(before, await CountAsync(tenant));
    }

    [Fact]
    public async Task Update_RefusedAfterChangingTheRow_RollsBackEveryChange()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("site created", receiver.Url("/taken"));
        var other = (await tenant.CreateWebhookAsync("site created", receiver.Url("/other"))).Str("webhook_id");
        var before = await CountAsync(tenant);

        // The description and URL are applied to the tracked row before the identical-registration check refuses the URL.
        var outcome = await InScopeAsync(sp => sp.GetRequiredService<RegistrationService>().UpdateAsync(ClientOf(tenant), other,
            new WebhookRequest(null, null, receiver.Url("/taken").ToString(), "new-token", false, "changed"), replace: false, CancellationToken.None));

        Assert.Equal(409, outcome.Refusal?.Status);
        var stored = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{other}");
        Assert.Equal(receiver.Url("/other").ToString(), stored.Str("url"));
        Assert.True(stored.GetProperty("enabled").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("description").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("token").ValueKind);
        Assert.Equal(before, await CountAsync(tenant));
    }

    [Fact]
    public async Task Replay_Succeeded_CommitsTheReplayWithEveryDeliveryItQueued()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var since = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var webhook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/replayed"))).Str("webhook_id");
        await tenant.CreateSiteAsync();
        await tenant.CreateSiteAsync();

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<ReplayService>()
            .ReplayAsync(ClientOf(tenant), webhook, new ReplayRequest(since, null, OnlyFailed: false), CancellationToken.None));

        Assert.True(outcome.Succeeded);
        Assert.Equal(2, outcome.Value.Queued);
        var replayId = long.Parse(outcome.Value.ReplayId, CultureInfo.InvariantCulture);
        var (replays, queued) = await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<TechLinkDbContext>();
            return (await db.WebhookReplays.CountAsync(r => r.Id == replayId), await db.Deliveries.CountAsync(d => d.ReplayId == replayId));
        });
        Assert.Equal((1, 2), (replays, queued));
    }

    [Fact]
    public async Task Replay_UntilBeforeSince_Refused400AndNoReplayWritten()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var webhook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/never"))).Str("webhook_id");

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<ReplayService>().ReplayAsync(ClientOf(tenant), webhook,
            new ReplayRequest("2026-11-28T12:00:00Z", "2026-11-27T12:00:00Z", OnlyFailed: true), CancellationToken.None));

        Assert.Equal(400, outcome.Refusal?.Status);
        Assert.True(outcome.Refusal!.Errors.ContainsKey("until"));
        var id = long.Parse(webhook, CultureInfo.InvariantCulture);
        Assert.Equal(0, await InScopeAsync(sp => sp.GetRequiredService<TechLinkDbContext>().WebhookReplays.CountAsync(r => r.WebhookId == id)));
    }

    [Fact]
    public async Task RetryNowAndRedeliver_PendingOfAPausedRegistration_RefusedWith409AndNoRowWritten()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var webhook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/paused"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{webhook}/pause", new { }, System.Net.HttpStatusCode.OK);
        await tenant.CreateSiteAsync();
        var pending = Assert.Single(await tenant.DeliveriesAsync($"webhook_id={webhook}"));
        Assert.Equal("pending", pending.Str("status"));

        var (retried, redelivered) = await InScopeAsync(async sp =>
        {
            var log = sp.GetRequiredService<DeliveryLogService>();
            return (await log.RetryNowAsync(ClientOf(tenant), pending.Str("delivery_id"), CancellationToken.None),
                await log.RedeliverAsync(ClientOf(tenant), pending.Str("delivery_id"), new RedeliverRequest(RedeliverRequest.Current), CancellationToken.None));
        });

        Assert.Equal(409, retried.Refusal?.Status);
        Assert.Contains("paused", retried.Refusal!.Detail, StringComparison.Ordinal);
        Assert.Equal(409, redelivered.Refusal?.Status);
        Assert.Contains("still pending", redelivered.Refusal!.Detail, StringComparison.Ordinal);
        Assert.Single(await tenant.DeliveriesAsync($"webhook_id={webhook}"));
    }

    [Fact]
    public async Task Redeliver_Finished_CommitsANewDeliveryLinkedToIt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var webhook = (await tenant.CreateWebhookAsync("site created", receiver.Url("/done"))).Str("webhook_id");
        await tenant.CreateSiteAsync();
        var finished = await DeliveryTests.WaitForStatusAsync(tenant, webhook, "succeeded");

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<DeliveryLogService>()
            .RedeliverAsync(ClientOf(tenant), finished.Str("delivery_id"), request: null, CancellationToken.None));

        Assert.True(outcome.Succeeded);
        Assert.Equal(finished.Str("delivery_id"), outcome.Value.RedeliveryOf);
        Assert.Equal(finished.Str("message_id"), outcome.Value.MessageId);
        var stored = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries/{outcome.Value.DeliveryId}");
        Assert.Equal(finished.Str("delivery_id"), stored.Str("redelivery_of"));
    }

    [Fact]
    public async Task Get_OtherCompanysRegistration_RefusedAsMissing()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var owner = await App.NewTenantAsync();
        var stranger = await App.NewTenantAsync();
        var webhook = (await owner.CreateWebhookAsync("site created", receiver.Url("/mine"))).Str("webhook_id");

        var outcome = await InScopeAsync(sp =>
        {
            TenancyScope.Apply(sp.GetRequiredService<TechLinkDbContext>(), ClientOf(stranger)); // as the stranger's request is scoped
            return sp.GetRequiredService<RegistrationService>().GetAsync(ClientOf(stranger), webhook, CancellationToken.None);
        });

        Assert.True(outcome.Refusal?.IsNotFound);
        Assert.Equal("No such webhook registration.", outcome.Refusal!.Detail);
    }
}

public sealed class WebhookServiceTestsSqlite(AppFixture fixture) : WebhookServiceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookServiceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookServiceTests(fixture, postgres), IClassFixture<AppFixture>;
