using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Model;
using TechLink.Delivery.Signing;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>The dispatcher's claims, wake-ups, not-answering endpoints, leases and redelivery; run once per provider.</summary>
public abstract partial class DispatcherTests
{
    [Fact]
    public async Task Claim_OneEndpointAsked_TakesOnlyItsRowsOldestFirst_AnotherEndpointsOlderBacklogUntouched()
    {
        var busy = Endpoints.Add(Receiver.Url("/busy"));
        var quiet = Endpoints.Add(Receiver.Url("/quiet"));
        var node = await StartNodeAsync(dispatcher: false);
        var now = DateTime.UtcNow;
        await using (var db = CreateContext())
        {
            AddDeliveries(db, busy, 2000, now.AddMinutes(-10));
            AddDeliveries(db, quiet, 3, now.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        var store = node.Services.GetRequiredService<TechLink.Delivery.Dispatching.IDeliveryStore>();
        var claims = await store.ClaimAsync([new(quiet, 2)], DateTime.UtcNow, DateTime.UtcNow.AddMinutes(1), default);

        Assert.Equal(2, claims.Count);
        Assert.All(claims, c => Assert.Equal(quiet, c.EndpointId));
        Assert.All(claims, c => Assert.NotEqual("", c.Payload));
        await using var check = CreateContext();
        Assert.Equal(0, await check.Deliveries.CountAsync(d => d.EndpointId == busy && d.LeaseOwner != null));
        Assert.Equal(2, await check.Deliveries.CountAsync(d => d.EndpointId == quiet && d.LeaseOwner != null));
    }

    [Fact]
    public async Task Discover_FindsEndpointsWithDueUnheldRows_NotExcludedHeldFutureOrFinished()
    {
        var due = Endpoints.Add(Receiver.Url("/due"));
        var excluded = Endpoints.Add(Receiver.Url("/excluded"));
        var future = Endpoints.Add(Receiver.Url("/future"));
        var finished = Endpoints.Add(Receiver.Url("/finished"));
        var held = Endpoints.Add(Receiver.Url("/held"));
        var node = await StartNodeAsync(dispatcher: false);
        var now = DateTime.UtcNow;
        await using (var db = CreateContext())
        {
            AddDeliveries(db, due, 2, now.AddSeconds(-5));
            AddDeliveries(db, excluded, 2, now.AddSeconds(-5));
            AddDeliveries(db, future, 2, now.AddMinutes(5));
            foreach (var d in AddDeliveries(db, finished, 2, now.AddSeconds(-5))) d.Status = DeliveryStatus.Succeeded;
            foreach (var d in AddDeliveries(db, held, 2, now.AddSeconds(-5)))
            {
                d.LeaseOwner = "another-node";
                d.LeaseExpiresAt = now.AddMinutes(1);
            }

            await db.SaveChangesAsync();
        }

        var store = node.Services.GetRequiredService<TechLink.Delivery.Dispatching.IDeliveryStore>();
        Assert.Equal([due], await store.DiscoverAsync([excluded], now, default));
        // A lease that has run out is claimable again: the endpoint is found.
        Assert.Equal([due, held], (await store.DiscoverAsync([excluded], now.AddMinutes(2), default)).Order());
    }

    [Fact]
    public async Task Dispatcher_Commit_WakesItWithoutWaitingForThePoll()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:10:00" });
        await using (var db = await node.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        // The first delivery's result is written: the dispatcher has nothing left to do and waits for a signal.
        await Receiver.WaitForAsync(1, Wait);
        await WaitForAllWrittenAsync(endpoint);

        var clock = Stopwatch.StartNew();
        await using (var db = await node.CreateDbAsync())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        // The idle poll is 10 minutes, so anything within a few seconds is the wake-up, not the poll. It is usually
        // well under 100 ms; 5 s leaves room for a loaded CI machine.
        await Receiver.WaitForAsync(2, TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Dispatcher_NotAnsweringEndpoint_ItsDueRowsArePostponedWithoutAnAttempt()
    {
        using var release = new CancellationTokenSource();
        Receiver.Respond = async r =>
        {
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return (200, "late");
        };
        var dead = Endpoints.Add(Receiver.Url("/hang"));
        await using (var db = CreateContext())
        {
            AddDeliveries(db, dead, 200, DateTime.UtcNow.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        await StartNodeAsync(new Dictionary<string, string?>
        {
            ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "3",
            ["TechLink:Delivery:ClaimBatchSize"] = "8",
            ["TechLink:Delivery:Timeout"] = "00:00:30",
        });

        // Three sends hang; after two seconds without progress every due row that is not held here is moved on.
        await Receiver.WaitForAsync(3, Wait);
        var deadline = Stopwatch.StartNew();
        List<DeliveryRecord> rows;
        while (true)
        {
            await using var db = CreateContext();
            rows = await db.Deliveries.AsNoTracking().ToListAsync();
            var now = DateTime.UtcNow;
            if (rows.Where(r => r.LeaseOwner is null).All(r => r.NextAttemptAt > now) || deadline.Elapsed > Wait) break;
            await Task.Delay(100);
        }

        var unheld = rows.Where(r => r.LeaseOwner is null).ToList();
        Assert.True(unheld.Count >= 150, $"{unheld.Count} rows not held");
        Assert.All(unheld, r =>
        {
            Assert.True(r.NextAttemptAt > DateTime.UtcNow, $"row {r.Id} still due at {r.NextAttemptAt:o}");
            Assert.Equal(0, r.AttemptCount);
            Assert.Equal(DeliveryStatus.Pending, r.Status);
        });
        Assert.Equal(3, Receiver.ReceivedCount);
        await release.CancelAsync();
    }

    [Fact]
    public async Task Dispatcher_HangingEndpointWithBacklog_DoesNotDelayHealthyEndpoint()
    {
        using var release = new CancellationTokenSource();
        var hanging = 0;
        var maxHanging = 0;
        Receiver.Respond = async r =>
        {
            if (r.Path != "/hang") return (200, "ok");
            var now = Interlocked.Increment(ref hanging);
            InterlockedMax(ref maxHanging, now);
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            Interlocked.Decrement(ref hanging);
            return (200, "late");
        };
        var dead = Endpoints.Add(Receiver.Url("/hang"));
        var healthy = Endpoints.Add(Receiver.Url("/ok"));
        await using (var db = CreateContext())
        {
            // The dead endpoint's backlog is older, so a plain oldest-first claim would hand it every slot.
            AddDeliveries(db, dead, 200, DateTime.UtcNow.AddMinutes(-5));
            await db.SaveChangesAsync();
            AddDeliveries(db, healthy, 30, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await StartNodeAsync(new Dictionary<string, string?>
        {
            ["TechLink:Delivery:MaxConcurrency"] = "8",
            ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "3",
            ["TechLink:Delivery:ClaimBatchSize"] = "8",
            ["TechLink:Delivery:Timeout"] = "00:00:30",
        });

        var clock = Stopwatch.StartNew();
        await Receiver.WaitForAsync(30, TimeSpan.FromSeconds(5), r => r.Path == "/ok");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"healthy deliveries took {clock.Elapsed}");
        Assert.InRange(Volatile.Read(ref maxHanging), 1, 3);
        await release.CancelAsync();
    }

    [Fact]
    public async Task Dispatcher_ExpiredLeaseOfDeadNode_IsTakenOverButLiveLeaseIsNot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var now = time.GetUtcNow().UtcDateTime;
        var endpoint = Endpoints.Add(Receiver.Url());
        long orphanId, busyId;
        await using (var db = CreateContext())
        {
            var orphan = AddDeliveries(db, endpoint, 1, now.AddMinutes(-3))[0];
            orphan.LeaseOwner = "dead-node";
            orphan.LeaseExpiresAt = now.AddSeconds(-1);
            var busy = AddDeliveries(db, endpoint, 1, now.AddMinutes(-3))[0];
            busy.LeaseOwner = "live-node";
            busy.LeaseExpiresAt = now.AddMinutes(10);
            await db.SaveChangesAsync();
            (orphanId, busyId) = (orphan.Id, busy.Id);
        }

        await StartNodeAsync(time: time);

        var taken = await WaitForRecordAsync(orphanId, r => r.Status == DeliveryStatus.Succeeded);
        Assert.Single(taken.Attempts);
        // That the live lease is not taken over is decided by the claim, checked directly (Claim_OnlyDuePendingRowsWithoutALiveLease_...).
        var untouched = await LoadAsync(busyId);
        Assert.Equal("live-node", untouched.LeaseOwner);
        Assert.Equal(0, untouched.AttemptCount);
        Assert.Single(Receiver.Received);

        // The live node dies too: once its lease has passed, the work is picked up.
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await WaitForRecordAsync(busyId, r => r.Status == DeliveryStatus.Succeeded);
        Assert.Equal(2, Receiver.Received.Count);
    }

    [Fact]
    public async Task Redeliver_FinishedDelivery_SendsAgainWithSameWebhookId()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync();
        DeliveryRecord first;
        await using (var db = await node.CreateDbAsync())
        {
            first = AddDeliveries(db, endpoint, 1, DateTime.UtcNow)[0];
            await db.SaveChangesAsync();
        }

        var finished = await WaitForRecordAsync(first.Id, r => r.Status == DeliveryStatus.Succeeded);
        Assert.Throws<InvalidOperationException>(() => DeliveryCommands.Redeliver(CreateContext(), new DeliveryRecord { WebhookMessageId = "msg_x", Status = DeliveryStatus.Pending }, DateTime.UtcNow));
        DeliveryRecord again;
        await using (var db = await node.CreateDbAsync())
        {
            again = DeliveryCommands.Redeliver(db, finished, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        var received = await Receiver.WaitForAsync(2, Wait);
        Assert.Equal(first.WebhookMessageId, received[1].Headers["webhook-id"]);
        var redelivered = await WaitForRecordAsync(again.Id, r => r.Status == DeliveryStatus.Succeeded);
        Assert.Equal(first.Id, redelivered.RedeliveryOfId);
        Assert.Equal(first.WebhookMessageId, redelivered.WebhookMessageId);
    }

    [Fact]
    public async Task Dispatcher_DisabledOrDeletedRegistration_FailsWithoutSending()
    {
        var disabled = Endpoints.Add(Receiver.Url(), enabled: false);
        const long deleted = 999;
        var node = await StartNodeAsync();
        long disabledId, deletedId;
        await using (var db = await node.CreateDbAsync())
        {
            disabledId = AddDeliveries(db, disabled, 1, DateTime.UtcNow)[0].Id;
            var orphan = AddDeliveries(db, deleted, 1, DateTime.UtcNow)[0];
            await db.SaveChangesAsync();
            (disabledId, deletedId) = (db.Deliveries.Single(d => d.EndpointId == disabled).Id, orphan.Id);
        }

        var a = await WaitForRecordAsync(disabledId, r => r.Status != DeliveryStatus.Pending);
        var b = await WaitForRecordAsync(deletedId, r => r.Status != DeliveryStatus.Pending);

        Assert.Equal((DeliveryStatus.Failed, "registration disabled", 0), (a.Status, a.LastError, a.AttemptCount));
        Assert.Equal((DeliveryStatus.Failed, "registration deleted", 0), (b.Status, b.LastError, b.AttemptCount));
        Assert.Empty(Receiver.Received);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
