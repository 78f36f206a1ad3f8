using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Delivery.Tests.Infrastructure;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>
/// The local fast path on each provider: events committed through the outbox on a node with a dispatcher are written
/// leased to it and handed over in memory (no claim); a full node or endpoint falls back to claims; a rollback hands
/// nothing over.
/// </summary>
public abstract partial class DispatcherTests
{
    /// <summary>Rows claimed (claim statements) and rows handed over locally, on one node's own meter.</summary>
    private sealed class Handoffs : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _claimed;
        private long _handed;

        public Handoffs(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name is "techlink.delivery.claim.size" or "techlink.delivery.handed") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _claimed, value));
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _handed, value));
            _listener.Start();
        }

        public long Claimed => Interlocked.Read(ref _claimed);
        public long Handed => Interlocked.Read(ref _handed);

        public void Dispose() => _listener.Dispose();
    }

    private static void Enqueue(DeliveryHarness node, TestDbContext db, int n, string? subject, params long[] endpoints) =>
        node.Services.GetRequiredService<OutboxInterceptor>().Enqueue(db, new PendingEvent(7, "work order note added", "1", $"{{\"n\":{n}}}", DateTime.UtcNow,
            [.. endpoints.Select(e => new PendingDelivery(e, "msg_" + Guid.CreateVersion7().ToString("N")))]) { SubjectKey = subject });

    private async Task<List<DeliveryRecord>> WaitAllSucceededAsync(int count)
    {
        await using var db = CreateContext();
        var clock = Stopwatch.StartNew();
        while (await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded && d.LeaseOwner == null) < count && clock.Elapsed < Wait) await Task.Delay(20);
        return await db.Deliveries.AsNoTracking().Include(d => d.Attempts).OrderBy(d => d.Id).ToListAsync();
    }

    [Fact]
    public async Task Handoff_CommittedEvents_HandedOverInMemory_DeliveredOnceEachWithoutAClaim()
    {
        var (a, b) = (Endpoints.Add(Receiver.Url("/a")), Endpoints.Add(Receiver.Url("/b")));
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:10:00" });
        using var measured = new Handoffs(node.Services);
        await using (var db = await node.CreateDbAsync())
        {
            for (var n = 1; n <= 10; n++) Enqueue(node, db, n, "workorder:1", a, b);
            await db.SaveAndPublishAsync();
        }

        await Receiver.WaitForAsync(20, Wait);
        var rows = await WaitAllSucceededAsync(20);

        Assert.Equal(20, measured.Handed);
        Assert.Equal(0, measured.Claimed);
        Assert.All(rows, r => Assert.Equal((DeliveryStatus.Succeeded, 1, 1), (r.Status, r.AttemptCount, r.Attempts.Count)));
        var received = Receiver.Received;
        Assert.Equal(20, received.Count);
        Assert.Equal(rows.Select(r => r.WebhookMessageId).Order(), received.Select(r => r.Headers["webhook-id"]).Order());
        // What was handed over is what the row holds: its payload and its sequence number.
        foreach (var endpoint in new[] { a, b })
        {
            var path = endpoint == a ? "/a" : "/b";
            var bodies = received.Where(r => r.Path == path).OrderBy(r => long.Parse(r.Headers["techlink-sequence"], System.Globalization.CultureInfo.InvariantCulture)).Select(r => r.Body);
            Assert.Equal(Enumerable.Range(1, 10).Select(n => $"{{\"n\":{n}}}"), bodies);
        }
    }

    [Fact]
    public async Task Handoff_Written_LeasedToTheNodeInTheDatabase_BeforeAnyAnswer()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var answer = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Receiver.Respond = _ => answer.Task;
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:NodeId"] = "node-fast", ["TechLink:Delivery:IdlePollInterval"] = "00:10:00" });
        using var measured = new Handoffs(node.Services);
        var before = DateTime.UtcNow;
        await using (var db = await node.CreateDbAsync())
        {
            Enqueue(node, db, 1, null, endpoint);
            await db.SaveAndPublishAsync();
        }

        await Receiver.WaitForAsync(1, Wait);
        await using (var db = CreateContext())
        {
            // The send is in flight: the row is leased to this node (as a claim leaves it), nothing counted yet.
            var row = await db.Deliveries.AsNoTracking().SingleAsync();
            Assert.Equal(("node-fast", 0, DeliveryStatus.Pending), (row.LeaseOwner, row.AttemptCount, row.Status));
            Assert.InRange(row.LeaseExpiresAt!.Value, before.AddSeconds(80), DateTime.UtcNow.AddSeconds(95));
        }

        answer.SetResult((200, "ok"));
        await WaitAllSucceededAsync(1);
        Assert.Equal((1, 0), (measured.Handed, measured.Claimed));
    }

    [Fact]
    public async Task Handoff_EndpointShareOrNodeFull_RestFallsBackToClaims_EachDeliveredOnce()
    {
        var (a, b) = (Endpoints.Add(Receiver.Url("/a")), Endpoints.Add(Receiver.Url("/b")));
        // Share per endpoint 1 + 2 = 3; the node holds at most 4 + 3 × 2 = 10.
        var node = await StartNodeAsync(new Dictionary<string, string?>
        {
            ["TechLink:Delivery:MaxConcurrency"] = "4",
            ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "1",
            ["TechLink:Delivery:ClaimBatchSize"] = "2",
            ["TechLink:Delivery:IdlePollInterval"] = "00:10:00",
        });
        using var measured = new Handoffs(node.Services);
        await using (var db = await node.CreateDbAsync())
        {
            for (var n = 1; n <= 12; n++) Enqueue(node, db, n, null, a);
            Enqueue(node, db, 13, null, b);
            await db.SaveAndPublishAsync();
        }

        await Receiver.WaitForAsync(13, Wait);
        var rows = await WaitAllSucceededAsync(13);

        // Endpoint a's share (3) and b's one row were handed over; a's other 9 were written unleased and claimed.
        Assert.Equal(4, measured.Handed);
        Assert.Equal(9, measured.Claimed);
        Assert.All(rows, r => Assert.Equal((DeliveryStatus.Succeeded, 1), (r.Status, r.AttemptCount)));
        Assert.Equal(13, Receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().Count());
        Assert.Equal(13, Receiver.Received.Count);
    }

    [Fact]
    public async Task Handoff_TransactionRolledBack_HandsNothingOver()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:10:00" });
        using var measured = new Handoffs(node.Services);
        await using (var db = await node.CreateDbAsync())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            Enqueue(node, db, 1, null, endpoint);
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        await using (var db = await node.CreateDbAsync())
        {
            Enqueue(node, db, 2, null, endpoint);
            await db.SaveAndPublishAsync();
        }

        await Receiver.WaitForAsync(1, Wait);
        var rows = await WaitAllSucceededAsync(1);
        Assert.Single(rows);
        Assert.Equal("{\"n\":2}", Assert.Single(Receiver.Received).Body);
        Assert.Equal(1, measured.Handed);
    }
}
