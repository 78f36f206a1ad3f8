using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Dispatching;

[Collection(PostgresCollection.Name)]
public sealed class PostgresDispatcherTests(OwnPostgresFixture fixture) : DispatcherTests
{
    protected override async Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync()
    {
        var connectionString = await fixture.Cluster.CreateDatabaseAsync("delivery");
        return o => o.UseNpgsql(connectionString);
    }

    /// <summary>
    /// A claim changes only the lease, which no index holds: with room left on the row's page (the table's fillfactor),
    /// PostgreSQL writes the new version there as a heap-only tuple and adds no index entries (a HOT update).
    /// </summary>
    [Fact]
    public async Task Claim_OfRowsJustWritten_IsHotUpdate()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var (store, now) = await StoreWithRowsAsync((db, now) => AddDeliveries(db, endpoint, 128, now.AddSeconds(-1)));

        var claimed = await store.ClaimAsync([new EndpointClaim(endpoint, 128)], now, now.AddMinutes(1), default);

        Assert.Equal(128, claimed.Count);
        await using var db = CreateContext();
        await db.Database.ExecuteSqlRawAsync("CREATE EXTENSION IF NOT EXISTS pageinspect");
        // HEAP_ONLY_TUPLE (0x8000 in t_infomask2): a version reached through its page's HOT chain, not through an index.
        var heapOnly = await db.Database.SqlQueryRaw<long>("""
            SELECT count(*) AS "Value" FROM generate_series(0, (pg_relation_size('deliveries') / current_setting('block_size')::int - 1)::int) AS p,
                LATERAL heap_page_items(get_raw_page('deliveries', p)) AS t
            WHERE t.t_infomask2 & 32768 <> 0
            """).SingleAsync();
        // Without the fillfactor 6 of 128 were (pages full); with it about 104. A page that fills up takes the rest elsewhere.
        Assert.True(heapOnly >= 96, $"{heapOnly} of 128 claimed rows were written as heap-only tuples");
    }

    [Fact]
    public async Task TwoDispatcherNodes_SameDatabase_DeliverEachDeliveryExactlyOnce()
    {
        var endpoints = Enumerable.Range(0, 5).Select(i => Endpoints.Add(Receiver.Url($"/e{i}"))).ToList();
        var settings = (string node) => new Dictionary<string, string?>
        {
            ["TechLink:Delivery:NodeId"] = node,
            ["TechLink:Delivery:ClaimBatchSize"] = "16",
        };
        var a = await StartNodeAsync(settings("node-a"));
        var b = await StartNodeAsync(settings("node-b"));

        const int perEndpoint = 60;
        for (var round = 0; round < 6; round++)
        {
            await using var db = await a.CreateDbAsync();
            foreach (var endpoint in endpoints) AddDeliveries(db, endpoint, perEndpoint / 6, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        var total = endpoints.Count * perEndpoint;
        await Receiver.WaitForAsync(total, TimeSpan.FromSeconds(60));
        await using (var db = CreateContext())
        {
            var clock = Stopwatch.StartNew();
            while (await db.Deliveries.AnyAsync(d => d.Status == DeliveryStatus.Pending) && clock.Elapsed < Wait) await Task.Delay(50);
            Assert.Equal(total, await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded));
            Assert.Equal(total, await db.Attempts.CountAsync());
        }

        // Both nodes stopped: no send is in flight any more, so a late duplicate would be counted now.
        await a.DisposeAsync();
        await b.DisposeAsync();
        var received = Receiver.Received;
        Assert.Equal(total, received.Count);
        Assert.Equal(total, received.Select(r => r.Headers["webhook-id"]).Distinct().Count());
    }

    [Fact]
    public async Task CommitOnApiOnlyNode_WakesDispatcherNodeWithoutWaitingForThePoll()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var api = await StartNodeAsync(dispatcher: false);
        await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:10:00" });
        await using (var db = await api.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        // The first delivery's result is written: the dispatcher node has nothing left to do and waits for a signal.
        await Receiver.WaitForAsync(1, Wait);
        await WaitForAllWrittenAsync(endpoint);

        var clock = Stopwatch.StartNew();
        await using (var db = await api.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        // The idle poll is 10 minutes, so anything within a few seconds is the wake-up, not the poll. It is usually
        // well under 100 ms; 5 s leaves room for a loaded CI machine.
        await Receiver.WaitForAsync(2, TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task DatabaseDownAndBack_DispatcherRecoversWithoutRestart()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:00:01" });
        await using (var db = await node.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(1, Wait);

        // The throwaway cluster runs with synchronous_commit off and stops with -m immediate: flush what we rely on.
        await using (var db = CreateContext()) await db.Database.ExecuteSqlRawAsync("CHECKPOINT");
        await fixture.Cluster.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.Cluster.RestartAsync();

        await using (var db = await node.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(2, Wait);
    }
}
