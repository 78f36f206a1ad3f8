using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TechLink.Delivery;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Providers.Postgres;
using TechLink.Delivery.Providers.Sqlite;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// The race of a resume with an attempt that read "paused": the resume's unpark runs while the attempt holds the row,
/// then the attempt writes its park. <see cref="PauseRecheck"/>, run after that write, must leave the row due.
/// The steps are taken by hand, in that order, with a store of a node of the test's own.
/// </summary>
public abstract class PauseRaceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private const string Parked = "9999-01-01T00:00:00Z";

    [Fact]
    public async Task ResumeBetweenReadingPausedAndWritingThePark_RecheckUnparksTheRow()
    {
        // An attempt of another node claims the parked row (its clock past the park) and reads "paused"...
        var (tenant, hook, store, claim) = await PausedRowClaimedByAnotherNodeAsync("race-test");

        // ... the resume lands (its unpark moves the row, held or not) ...
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/resume", null, HttpStatusCode.OK);

        // ... and then the attempt writes its park: without the recheck the row would wait for good.
        var park = DeliveryResult.Park(claim);
        Assert.Equal(0, (await store.WriteAsync([park], default)).Lost);
        Assert.Equal(Parked, (await tenant.DeliveriesAsync($"webhook_id={hook}")).Single().Str("next_attempt_at"));

        var recheck = new PauseRecheck(store, App.Services.GetRequiredService<IEndpointDirectory>(), new DeliverySignal(), NullLogger.Instance);
        await recheck.AfterWriteAsync([park], default);
        // Due again: the app's dispatcher takes it (and fails it against port 9), or it is still waiting, due now.
        await WaitAsync(async () => (await tenant.DeliveriesAsync($"webhook_id={hook}")).Single() is var d && (d.Str("status") != "pending" || d.Str("next_attempt_at") != Parked));
    }

    [Fact]
    public async Task StillPaused_RecheckLeavesTheRowParked()
    {
        var (tenant, hook, store, claim) = await PausedRowClaimedByAnotherNodeAsync("race-test-2");
        var park = DeliveryResult.Park(claim);
        await store.WriteAsync([park], default);

        await new PauseRecheck(store, App.Services.GetRequiredService<IEndpointDirectory>(), new DeliverySignal(), NullLogger.Instance).AfterWriteAsync([park], default);
        var row = (await tenant.DeliveriesAsync($"webhook_id={hook}")).Single();
        Assert.Equal("pending", row.Str("status"));
        Assert.Equal(Parked, row.Str("next_attempt_at"));
        Assert.Equal(0, row.GetProperty("attempt_count").GetInt32());
    }

    /// <summary>A paused registration with one parked delivery, which a store of another node has just claimed.</summary>
    private async Task<(Tenant Tenant, string Hook, IDeliveryStore Store, ClaimedDelivery Claim)> PausedRowClaimedByAnotherNodeAsync(string nodeId)
    {
        var tenant = await App.NewTenantAsync();
        var hook = (await tenant.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/race"))).Str("webhook_id");
        var endpoint = long.Parse(hook, System.Globalization.CultureInfo.InvariantCulture);
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/pause", null, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();
        await WaitAsync(async () => (await tenant.DeliveriesAsync($"webhook_id={hook}")).SingleOrDefault() is { } d && d.Str("next_attempt_at") == Parked);

        var factory = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>();
        var node = new DeliveryNode(nodeId);
        IDeliveryStore store = App.Provider == Provider.Postgres
            ? new PostgresDeliveryStore<TechLinkDbContext>(factory, node)
            : new SqliteDeliveryStore<TechLinkDbContext>(factory, node);
        var claim = Assert.Single(await store.ClaimAsync([new EndpointClaim(endpoint, 10)], Parking.Until.AddSeconds(1), Parking.Until.AddDays(1), default));
        return (tenant, hook, store, claim);
    }

    private static async Task WaitAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}

public sealed class PauseRaceTestsSqlite(AppFixture fixture) : PauseRaceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class PauseRaceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : PauseRaceTests(fixture, postgres), IClassFixture<AppFixture>;
