using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>The window claim (breadth) against each provider's SQL, and a fan-out drained through it.</summary>
public abstract partial class DispatcherTests
{
    private protected async Task<(IDeliveryStore Store, DateTime Now)> StoreWithRowsAsync(Action<TestDbContext, DateTime> add)
    {
        var node = await StartNodeAsync(dispatcher: false);
        var now = DateTime.UtcNow;
        await using (var db = CreateContext())
        {
            add(db, now);
            await db.SaveChangesAsync();
        }

        return (node.Services.GetRequiredService<IDeliveryStore>(), now);
    }

    [Fact]
    public async Task ClaimWindow_TakesOldestDueRowsOfManyEndpoints_AtMostPerEndpoint_NoneExcludedHeldFutureOrFinished()
    {
        var (deep, two, excluded, future, finished, held) = (Endpoints.Add(Receiver.Url("/deep")), Endpoints.Add(Receiver.Url("/two")),
            Endpoints.Add(Receiver.Url("/excluded")), Endpoints.Add(Receiver.Url("/future")), Endpoints.Add(Receiver.Url("/finished")), Endpoints.Add(Receiver.Url("/held")));
        var deepRows = new List<DeliveryRecord>();
        var (store, now) = await StoreWithRowsAsync((db, now) =>
        {
            AddDeliveries(db, excluded, 3, now.AddMinutes(-10));
            for (var i = 0; i < 5; i++) deepRows.AddRange(AddDeliveries(db, deep, 1, now.AddSeconds(-50 + i)));
            AddDeliveries(db, two, 2, now.AddSeconds(-30));
            AddDeliveries(db, future, 2, now.AddMinutes(5));
            foreach (var d in AddDeliveries(db, finished, 2, now.AddSeconds(-40))) d.Status = DeliveryStatus.Succeeded;
            foreach (var d in AddDeliveries(db, held, 2, now.AddSeconds(-40)))
            {
                d.LeaseOwner = "another-node";
                d.LeaseExpiresAt = now.AddMinutes(1);
            }
        });

        var leaseUntil = now.AddMinutes(1);
        var claimed = await store.ClaimWindowAsync(new ClaimWindow(100, 3, 400, [excluded]), now, leaseUntil, default);

        // The three oldest of the deep endpoint (its cap), both of the other, in due order, with payloads.
        Assert.Equal([.. deepRows.Take(3).Select(d => d.Id), .. claimed.Claims.Where(c => c.EndpointId == two).Select(c => c.Id)], claimed.Claims.Select(c => c.Id));
        Assert.Equal(2, claimed.Claims.Count(c => c.EndpointId == two));
        Assert.All(claimed.Claims, c => Assert.Contains("\"n\":", c.Payload, StringComparison.Ordinal));
        Assert.All(claimed.Claims, c => Assert.Equal(leaseUntil, c.LeaseUntil));
        Assert.True(claimed.Exhausted, "10 due unleased rows, a scan of 400: it saw them all");
        await using var check = CreateContext();
        var leased = await check.Deliveries.Where(d => d.LeaseOwner != null && d.LeaseOwner != "another-node").Select(d => d.Id).ToListAsync();
        Assert.Equal(claimed.Claims.Select(c => c.Id).Order(), leased.Order());

        // Leased rows are not claimed again; what is left of the deep endpoint is.
        var again = await store.ClaimWindowAsync(new ClaimWindow(100, 3, 400, [excluded]), now, leaseUntil, default);
        Assert.Equal(deepRows.Skip(3).Select(d => d.Id), again.Claims.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimWindow_ScanIsBounded_ExcludedBacklogInFrontLeavesItEmptyNotWalkingPastIt()
    {
        var (busy, quiet) = (Endpoints.Add(Receiver.Url("/busy")), Endpoints.Add(Receiver.Url("/quiet")));
        var (store, now) = await StoreWithRowsAsync((db, now) =>
        {
            AddDeliveries(db, busy, 10, now.AddMinutes(-10));
            AddDeliveries(db, quiet, 2, now.AddSeconds(-1));
        });
        var leaseUntil = now.AddMinutes(1);

        var blocked = await store.ClaimWindowAsync(new ClaimWindow(10, 8, 10, [busy]), now, leaseUntil, default);
        Assert.Empty(blocked.Claims);
        Assert.False(blocked.Exhausted);

        var reached = await store.ClaimWindowAsync(new ClaimWindow(10, 8, 12, [busy]), now, leaseUntil, default);
        Assert.Equal(2, reached.Claims.Count);
        Assert.All(reached.Claims, c => Assert.Equal(quiet, c.EndpointId));
        Assert.False(reached.Exhausted, "the scan read all it might: it cannot know there was nothing beyond");

        await using (var db = CreateContext())
        {
            AddDeliveries(db, quiet, 1, now.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        var last = await store.ClaimWindowAsync(new ClaimWindow(10, 8, 20, [busy]), now, leaseUntil, default);
        Assert.Single(last.Claims);
        Assert.True(last.Exhausted);
    }

    [Fact]
    public async Task ClaimWindow_LimitTakesTheOldestRowsOnly()
    {
        var endpoints = Enumerable.Range(0, 30).Select(i => Endpoints.Add(Receiver.Url($"/w{i}"))).ToList();
        var (store, now) = await StoreWithRowsAsync((db, now) =>
        {
            for (var i = 0; i < endpoints.Count; i++) AddDeliveries(db, endpoints[i], 1, now.AddSeconds(-100 + i));
        });

        var claimed = await store.ClaimWindowAsync(new ClaimWindow(10, 8, 40, []), now, now.AddMinutes(1), default);

        Assert.Equal(endpoints.Take(10), claimed.Claims.Select(c => c.EndpointId));
        Assert.False(claimed.Exhausted);
    }

    [Fact]
    public async Task Dispatcher_FanOutOfManyEndpoints_DeliveredOnceEachThroughWindowClaims()
    {
        const int Count = 600;
        var endpoints = Enumerable.Range(0, Count).Select(i => Endpoints.Add(Receiver.Url($"/f{i}"))).ToList();
        var deep = Endpoints.Add(Receiver.Url("/deep"));
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:00:00.200" });
        using var measured = new BatchSizes(node.Services);
        await using (var db = CreateContext())
        {
            // A deep endpoint's backlog first (oldest), then one row for each of the many.
            AddDeliveries(db, deep, 200, DateTime.UtcNow.AddSeconds(-10));
            foreach (var endpoint in endpoints) AddDeliveries(db, endpoint, 1, DateTime.UtcNow.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(Count + 200, Wait);
        await using (var db = CreateContext())
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded) < Count + 200 && deadline.Elapsed < Wait) await Task.Delay(50);
            Assert.Equal(Count + 200, await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded && d.LeaseOwner == null));
        }

        var received = Receiver.Received;
        Assert.Equal(Count + 200, received.Select(r => r.Headers["webhook-id"]).Distinct().Count());
        List<int> claims;
        lock (measured) claims = [.. measured.Claims.Where(c => c > 0)];
        Assert.Equal(Count + 200, claims.Sum());
        // A node holds at most 320 rows: a few rounds, not one per endpoint.
        Assert.True(claims.Count <= 30, $"{claims.Count} claims: {string.Join(",", claims)}");
    }
}
