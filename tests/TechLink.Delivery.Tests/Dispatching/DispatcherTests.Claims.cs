using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>
/// The claim per endpoint (depth) against each provider's SQL, told <c>now</c> directly: what decides that a retry waits
/// for its due time, a finished delivery is never sent again, and another node's live lease is left alone. The
/// dispatcher tests used to show these by waiting a fixed time and seeing nothing happen.
/// </summary>
public abstract partial class DispatcherTests
{
    /// <summary>Polls until every delivery of the endpoint has its result written back (finished, no lease held).</summary>
    protected async Task WaitForAllWrittenAsync(long endpoint)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = CreateContext();
            var rows = await db.Deliveries.AsNoTracking().Where(d => d.EndpointId == endpoint).ToListAsync();
            if (rows.Count > 0 && rows.All(d => d.Status != DeliveryStatus.Pending && d.LeaseOwner == null)) return;
            if (deadline.Elapsed > Wait) throw new TimeoutException($"endpoint {endpoint}: {rows.Count(d => d.Status == DeliveryStatus.Pending)} of {rows.Count} deliveries not written back");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Claim_OnlyDuePendingRowsWithoutALiveLease_RetriesWhenDue_LiveLeaseWhenItRunsOut()
    {
        var endpoint = Endpoints.Add(Receiver.Url());
        long due = 0, retry = 0, failed = 0, succeeded = 0, live = 0, expired = 0;
        var (store, now) = await StoreWithRowsAsync((db, now) =>
        {
            var rows = AddDeliveries(db, endpoint, 6, now.AddMinutes(-3));
            rows[1].AttemptCount = 1;
            rows[1].NextAttemptAt = now.AddSeconds(60); // a retry, due in a minute
            rows[2].Status = DeliveryStatus.Failed; // attempts used up, long past due
            rows[2].AttemptCount = 3;
            rows[3].Status = DeliveryStatus.Succeeded;
            rows[4].LeaseOwner = "live-node";
            rows[4].LeaseExpiresAt = now.AddMinutes(10);
            rows[5].LeaseOwner = "dead-node";
            rows[5].LeaseExpiresAt = now.AddSeconds(-1);
            db.SaveChanges();
            (due, retry, failed, succeeded, live, expired) = (rows[0].Id, rows[1].Id, rows[2].Id, rows[3].Id, rows[4].Id, rows[5].Id);
        });
        var far = now.AddHours(2);
        async Task<long[]> ClaimAt(DateTime at) =>
            [.. (await store.ClaimAsync([new EndpointClaim(endpoint, 100)], at, far, default)).Select(c => c.Id).Order()];

        // One second short of the retry's due time: the due row and the dead node's row, nothing else.
        Assert.Equal([due, expired], await ClaimAt(now.AddSeconds(59)));
        // Due: the retry is claimed; the live lease still holds.
        Assert.Equal([retry], await ClaimAt(now.AddSeconds(60)));
        // The live node's lease has run out: its row is taken over. Finished rows never come back.
        Assert.Equal([live], await ClaimAt(now.AddMinutes(10).AddSeconds(1)));
        Assert.Empty(await ClaimAt(far.AddMinutes(-1)));

        await using var check = CreateContext();
        var untouched = await check.Deliveries.AsNoTracking().Where(d => d.Id == failed || d.Id == succeeded).ToListAsync();
        Assert.All(untouched, d => Assert.Null(d.LeaseOwner));
    }
}
