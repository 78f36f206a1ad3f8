using TechLink.Delivery.Outbox;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>An endpoint that always fails gets exactly MaxAttempts (3) attempts, then the delivery is failed for good.</summary>
public abstract class AlwaysFailingTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task AlwaysFailingEndpoint_ThreeAttemptsThenFailed_NoFourth()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => Task.FromResult((500, "always down"));
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site created", receiver.Url("/down"));
        await tenant.CreateSiteAsync();

        var attempts = await receiver.WaitForAsync(3, TimeSpan.FromSeconds(45));
        Assert.Single(attempts.Select(a => a.Headers["webhook-id"]).Distinct());
        var failed = await DeliveryTests.WaitForStatusAsync(tenant, hook.Str("webhook_id"), "failed");
        Assert.Equal(3, failed.GetProperty("attempt_count").GetInt32());
        Assert.Equal(3, failed.GetProperty("attempts").GetArrayLength());
        Assert.All(failed.GetProperty("attempts").EnumerateArray(), a => Assert.Equal(500, a.GetProperty("status_code").GetInt32()));
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("last_error").GetString()));

        // Retry delays are 200-300 ms here: a fourth attempt would come well within two seconds.
        await Assert.ThrowsAsync<TimeoutException>(() => receiver.WaitForAsync(4, TimeSpan.FromSeconds(2)));
        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal("failed", (await tenant.DeliveriesAsync($"webhook_id={hook.Str("webhook_id")}")).Single().Str("status"));
    }

    [Fact]
    public async Task RefusedConnection_CountsAsFailedAttempt_EndsFailed()
    {
        var tenant = await App.NewTenantAsync();
        var hook = await tenant.CreateWebhookAsync("site created", new Uri("http://127.0.0.1:9/closed"));
        await tenant.CreateSiteAsync();
        var failed = await DeliveryTests.WaitForStatusAsync(tenant, hook.Str("webhook_id"), "failed");
        Assert.Equal(3, failed.GetProperty("attempts").GetArrayLength());
        Assert.All(failed.GetProperty("attempts").EnumerateArray(), a => Assert.Equal(System.Text.Json.JsonValueKind.Null, a.GetProperty("status_code").ValueKind));
    }
}

public sealed class AlwaysFailingTestsSqlite(AppFixture fixture) : AlwaysFailingTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class AlwaysFailingTestsPostgres(AppFixture fixture, PostgresFixture postgres) : AlwaysFailingTests(fixture, postgres), IClassFixture<AppFixture>;

/// <summary>
/// "(all current webhooks)" freezes its list when saved; "(any webhooks)" is a true wildcard. Adds an event type to the
/// process-wide catalog, so both variants run in the serial collection.
/// </summary>
public abstract class SpecialTypeTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task TypeAddedAfterSaving_AllCurrentDoesNotGetIt_AnyDoes()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var allCurrent = await tenant.CreateWebhookAsync("(all current webhooks)", receiver.Url("/all-current"));
        var frozen = allCurrent.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(DeliveryTests.SpecTypes, frozen);
        var any = await tenant.CreateWebhookAsync("(any webhooks)", receiver.Url("/any"));

        var newType = "work order teleported " + Guid.NewGuid().ToString("N")[..6];
        using (EventCatalog.AddForTest(new EventTypeInfo(newType, "added by a test", $$"""{"event": "{{newType}}"}""")))
        {
            Assert.Contains(newType, (await tenant.Client.GetJsonAsync("/api/v1/webhooks/event-types")).Items().Select(i => i.Str("type")));
            await using (var scope = App.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
                var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
                await outbox.AddAsync(db, long.Parse(tenant.CompanyId, System.Globalization.CultureInfo.InvariantCulture), newType, null, new DataEvent(newType, new { x = 1 }));
                await db.SaveAndPublishAsync();
            }

            var arrived = Assert.Single(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30), r => r.Body.Contains(newType, StringComparison.Ordinal)));
            Assert.Equal("/any", arrived.Path);
            Assert.Empty(await tenant.DeliveriesAsync($"webhook_id={allCurrent.Str("webhook_id")}"));
            Assert.Single(await tenant.DeliveriesAsync($"webhook_id={any.Str("webhook_id")}"));

            // Saved now, the list includes the new type.
            var later = await tenant.CreateWebhookAsync("(all current webhooks)", new Uri("https://example.com/later"));
            Assert.Contains(newType, later.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Equal(frozen, (await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{allCurrent.Str("webhook_id")}")).GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/all-current");
    }
}

[Collection(PostgresCollection.Name)]
public sealed class SpecialTypeTestsSqlite(AppFixture fixture) : SpecialTypeTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SpecialTypeTestsPostgres(AppFixture fixture, PostgresFixture postgres) : SpecialTypeTests(fixture, postgres), IClassFixture<AppFixture>;
