using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Delivery.Retention;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Issue 17, point 4: the retention sweeper deletes finished deliveries (with their attempts) older than
/// <c>Retention:Deliveries</c>, events older than <c>Retention:Events</c> unless a delivery of theirs is pending, stats
/// buckets older than two days and replays whose deliveries are gone, in batches; pending work and newer rows stay, and
/// the feed's <c>retained_since</c> is the oldest event it still holds. Ages are short here (one and two hours) and rows
/// are aged by moving their <c>created_at</c> back, with the <see cref="IdMark"/>s the recorder would have written had
/// they been created then: the sweep walks ids up to the floor of its cutoff, so an old row above it waits.
/// </summary>
public abstract class RetentionTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private const int Batch = 7;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Retention:Deliveries"] = "01:00:00",
        ["TechLink:Retention:Events"] = "02:00:00",
        // The background sweep runs once at start-up; the tests sweep when they mean to.
        ["TechLink:Retention:SweepInterval"] = "7.00:00:00",
        ["TechLink:Retention:BatchSize"] = Batch.ToString(CultureInfo.InvariantCulture),
    };

    private async Task<T> WithDbAsync<T>(Func<TechLinkDbContext, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TechLinkDbContext>());
    }

    private Task AgeAsync(IReadOnlyCollection<long> eventIds, TimeSpan eventAge, TimeSpan deliveryAge) => WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        await db.Events.Where(e => eventIds.Contains(e.Id)).ExecuteUpdateAsync(s => s.SetProperty(e => e.CreatedAt, now - eventAge));
        await db.Deliveries.Where(d => eventIds.Contains(d.EventId)).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAt, now - deliveryAge));
        return 0;
    });

    /// <summary>A mark at <paramref name="at"/> of the given ids (by default the largest of each so far).</summary>
    internal static async Task MarkAsync(IServiceProvider services, DateTime at, long? deliveryId = null, long? eventId = null)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        db.Add(new IdMark
        {
            RecordedAt = at,
            DeliveryId = deliveryId ?? await db.Deliveries.MaxAsync(d => d.Id),
            EventId = eventId ?? await db.Events.MaxAsync(e => e.Id),
        });
        await db.SaveChangesAsync();
    }

    private Task<long> DeliveryOfAsync(long eventId) => WithDbAsync(db => db.Deliveries.Where(d => d.EventId == eventId).Select(d => d.Id).SingleAsync());

    private async Task<List<long>> EventIdsAsync(Tenant tenant) => [.. (await tenant.EventsAsync()).Select(e => long.Parse(e.Str("event_id"), CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Sweep_DeletesOldFinishedRows_KeepsPendingAndNewer()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var webhook = (await tenant.CreateWebhookAsync("(any webhooks)", receiver.Url())).Str("webhook_id");
        const int old = 3 * Batch + 2;
        for (var i = 0; i < old + 4; i++) await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(old + 4, Deadline);
        await WaitAsync(async () => (await tenant.DeliveriesAsync("status=pending")).Count == 0);
        var events = await EventIdsAsync(tenant);
        Assert.Equal(old + 4, events.Count);
        var (gone, pendingEvent, youngEvent, fresh, unmarked) = (events.Take(old).ToList(), events[old], events[old + 1], events[old + 2], events[old + 3]);

        // Old: event and delivery past both ages. Pending: as old, but its delivery is waiting. Young: its delivery is
        // past the deliveries' age, the event not past the events'. Fresh: untouched. Unmarked: as old, but above every
        // mark's ids (as a row is until the next mark): the first sweep leaves it.
        await AgeAsync(gone, TimeSpan.FromHours(3), TimeSpan.FromHours(3));
        await AgeAsync([pendingEvent, unmarked], TimeSpan.FromHours(3), TimeSpan.FromHours(3));
        await AgeAsync([youngEvent], TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(90));
        await MarkAsync(App.Services, DateTime.UtcNow.AddMinutes(-150), await DeliveryOfAsync(pendingEvent), pendingEvent);
        await MarkAsync(App.Services, DateTime.UtcNow.AddMinutes(-80), await DeliveryOfAsync(youngEvent), youngEvent);
        var endpointId = long.Parse(webhook, CultureInfo.InvariantCulture);
        var (replayGone, replayKept) = await WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var pending = await db.Deliveries.SingleAsync(d => d.EventId == pendingEvent);
            var kept = new WebhookReplay { CompanyId = pending.TenantId, WebhookId = endpointId, Since = now.AddDays(-1), CreatedAt = now.AddHours(-3) };
            var orphan = new WebhookReplay { CompanyId = pending.TenantId, WebhookId = endpointId, Since = now.AddDays(-1), CreatedAt = now.AddHours(-3) };
            db.WebhookReplays.AddRange(kept, orphan);
            db.EndpointStats.AddRange(
                new EndpointStatsBucket { EndpointId = endpointId, BucketStart = now.AddDays(-3), Attempts = 1 },
                new EndpointStatsBucket { EndpointId = endpointId, BucketStart = now.AddHours(-1), Attempts = 1 });
            // Id marks older than both ages bound nothing kept; a newer one stays (one of the deliveries' age is not enough).
            db.AddRange(
                new IdMark { RecordedAt = now.AddHours(-3), DeliveryId = 1, EventId = 1 },
                new IdMark { RecordedAt = now.AddMinutes(-90), DeliveryId = 1, EventId = 1 });
            await db.SaveChangesAsync();
            await db.Deliveries.Where(d => d.Id == pending.Id).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Pending).SetProperty(d => d.NextAttemptAt, now.AddDays(1)).SetProperty(d => d.ReplayId, kept.Id));
            return (orphan.Id, kept.Id);
        });

        var result = await App.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);

        Assert.False(result.Skipped);
        Assert.True(result.Batches >= 4, $"{result.Batches} batches for {old + 1} deliveries of {Batch}");
        Assert.True(result.IdMarks >= 1, $"{result.IdMarks} id marks");
        var all = gone.Concat([pendingEvent, youngEvent, fresh, unmarked]).ToList();
        Assert.Equal([unmarked, unmarked], await WithDbAsync(async db =>
            (await db.Events.Where(e => e.Id == unmarked).Select(e => e.Id).ToListAsync()).Concat(await db.Deliveries.Where(d => d.EventId == unmarked).Select(d => d.EventId).ToListAsync()).ToList()));

        // Once marks bound it (one old enough for each age; the created_at filter keeps the younger rows below them), it goes.
        await MarkAsync(App.Services, DateTime.UtcNow.AddMinutes(-130));
        await MarkAsync(App.Services, DateTime.UtcNow.AddMinutes(-65));
        var late = await App.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal((1, 1), (late.Deliveries, late.Events));
        await WithDbAsync(async db =>
        {
            var eventsLeft = await db.Events.Where(e => all.Contains(e.Id)).Select(e => e.Id).OrderBy(id => id).ToListAsync();
            Assert.Equal([pendingEvent, youngEvent, fresh], eventsLeft);
            var deliveriesLeft = await db.Deliveries.Where(d => all.Contains(d.EventId)).Select(d => d.EventId).OrderBy(id => id).ToListAsync();
            Assert.Equal([pendingEvent, fresh], deliveriesLeft);
            var attemptsLeft = await db.DeliveryAttempts.Where(a => db.Deliveries.Any(d => d.Id == a.DeliveryId && all.Contains(d.EventId))).CountAsync();
            Assert.Equal(2, attemptsLeft);
            Assert.Equal(0, await db.DeliveryAttempts.CountAsync(a => !db.Deliveries.Any(d => d.Id == a.DeliveryId)));
            Assert.Equal([replayKept], await db.WebhookReplays.Where(r => r.Id == replayGone || r.Id == replayKept).Select(r => r.Id).ToListAsync());
            // The three-day-old bucket is gone; the recent one (and the dispatcher's own, of these deliveries) stay.
            var buckets = await db.EndpointStats.Where(b => b.EndpointId == endpointId).Select(b => b.BucketStart).ToListAsync();
            Assert.DoesNotContain(buckets, b => b < DateTime.UtcNow.AddDays(-2));
            Assert.Contains(buckets, b => b > DateTime.UtcNow.AddHours(-2));
            // The marks older than the one that gives the events' floor are gone; it and the newer ones stay.
            var marks = await db.Set<IdMark>().Where(m => m.DeliveryId == 1 && m.EventId == 1).Select(m => m.RecordedAt).ToListAsync();
            Assert.Equal(DateTime.UtcNow.AddMinutes(-90), Assert.Single(marks), TimeSpan.FromMinutes(5));
            Assert.Equal(DateTime.UtcNow.AddMinutes(-130), await db.Set<IdMark>().MinAsync(m => m.RecordedAt), TimeSpan.FromMinutes(5));
            return 0;
        });

        // The feed holds from the oldest event left: the one kept for its pending delivery.
        var feed = await tenant.Client.GetJsonAsync("/api/v1/events");
        var oldest = feed.Items()[0];
        Assert.Equal(pendingEvent.ToString(CultureInfo.InvariantCulture), oldest.Str("event_id"));
        Assert.Equal(oldest.Str("created_at"), feed.Str("retained_since"));

        // Another sweep finds nothing more to do.
        var again = await App.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(0, again.Deliveries + again.Events);
    }

    [Fact]
    public async Task Feed_NoEvents_RetainedSinceIsNull()
    {
        var tenant = await App.NewTenantAsync();
        var feed = await tenant.Client.GetJsonAsync("/api/v1/events");
        Assert.Empty(feed.Items());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, feed.GetProperty("retained_since").ValueKind);
    }

    internal static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time");
            await Task.Delay(50);
        }
    }
}

public sealed class RetentionTestsSqlite(AppFixture fixture) : RetentionTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class RetentionTestsPostgres(AppFixture fixture, PostgresFixture postgres) : RetentionTests(fixture, postgres), IClassFixture<AppFixture>;

/// <summary>
/// PostgreSQL: one node sweeps at a time. While another node holds the turn (the advisory lock, inside its batch's
/// transaction), a sweep deletes nothing and reports itself skipped; once the turn is free, the same sweep deletes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RetentionTurnTestsPostgres(AppFixture fixture, PostgresFixture postgres) : ServerTest(fixture, postgres), IClassFixture<AppFixture>
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Retention:Deliveries"] = "01:00:00",
        ["TechLink:Retention:Events"] = "02:00:00",
        ["TechLink:Retention:SweepInterval"] = "7.00:00:00",
    };

    [Fact]
    public async Task AnotherNodeHoldsTheTurn_SweepSkipsAndDeletesNothing_ThenSweeps()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", receiver.Url());
        for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
        await receiver.WaitForAsync(3, TimeSpan.FromSeconds(30));
        await RetentionTests.WaitAsync(async () => (await tenant.DeliveriesAsync("status=pending")).Count == 0);
        var companyId = long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            var old = DateTime.UtcNow.AddHours(-3);
            await db.Events.Where(e => e.TenantId == companyId).ExecuteUpdateAsync(s => s.SetProperty(e => e.CreatedAt, old));
            await db.Deliveries.Where(d => d.TenantId == companyId).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAt, old));
        }
        await RetentionTests.MarkAsync(App.Services, DateTime.UtcNow.AddMinutes(-150));

        var sweeper = App.Services.GetRequiredService<RetentionSweeper>();
        await using (var holder = App.Services.CreateAsyncScope())
        {
            var other = holder.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            await using var turn = await other.Database.BeginTransactionAsync();
            await other.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({PostgresRetentionLock.Key})");

            var skipped = await sweeper.SweepAsync(CancellationToken.None);
            Assert.True(skipped.Skipped);
            Assert.Equal(0, skipped.Deliveries + skipped.Events);
            await using var scope = App.Services.CreateAsyncScope();
            Assert.Equal(3, await scope.ServiceProvider.GetRequiredService<TechLinkDbContext>().Deliveries.CountAsync(d => d.TenantId == companyId));
            await turn.RollbackAsync();
        }

        var swept = await sweeper.SweepAsync(CancellationToken.None);
        Assert.False(swept.Skipped);
        Assert.True(swept.Deliveries + swept.Events >= 6, $"deleted {swept.Deliveries} deliveries and {swept.Events} events");
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            Assert.Equal(0, await db.Deliveries.CountAsync(d => d.TenantId == companyId));
            Assert.Equal(0, await db.Events.CountAsync(e => e.TenantId == companyId));
        }
    }
}
