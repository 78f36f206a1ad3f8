using TechLink.Delivery.Dispatching;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>Which of a commit's deliveries the node takes on the local fast path: the claims' bounds, checked directly.</summary>
public sealed class EndpointSchedulerHandoffTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static long _ids;

    private static EndpointScheduler Scheduler(int maxConcurrency, int perEndpoint, int batch) => new(new DeliveryOptions
    {
        MaxConcurrency = maxConcurrency,
        MaxConcurrencyPerEndpoint = perEndpoint,
        ClaimBatchSize = batch,
        Timeout = TimeSpan.FromSeconds(15),
        Lease = TimeSpan.FromSeconds(90),
    });

    private static List<ClaimedDelivery> Rows(long endpoint, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new ClaimedDelivery(Interlocked.Increment(ref _ids), 1, endpoint, "msg", 0, T0, T0.AddSeconds(90)))];

    [Fact]
    public void Offer_TakesUpToEachEndpointsShare_RestLeftToClaims()
    {
        var scheduler = Scheduler(maxConcurrency: 100, perEndpoint: 1, batch: 2); // share 3
        Assert.True(scheduler.Handed(Rows(1, 2), T0));

        var leased = scheduler.Offer([1, 1, 2, 1, 2]) ?? [];

        // Endpoint 1 holds 2: one more fits its share; endpoint 2 holds none: both fit.
        Assert.Equal([true, false, true, false, true], leased);
    }

    [Fact]
    public void Offer_NodeHoldsItsTotal_TakesNothing()
    {
        var scheduler = Scheduler(maxConcurrency: 2, perEndpoint: 1, batch: 1); // node 2 + 3 = 5, share 2
        Assert.True(scheduler.Handed([.. Rows(1, 2), .. Rows(2, 2)], T0));

        Assert.Equal([true, false, false], scheduler.Offer([3, 3, 4]) ?? []);
        Assert.True(scheduler.Handed(Rows(3, 1), T0));
        Assert.Null(scheduler.Offer([4]));
    }

    [Fact]
    public void Handed_RowsAreHeldAndStartedLikeClaimed_ButNotAfterStop()
    {
        var scheduler = Scheduler(maxConcurrency: 10, perEndpoint: 2, batch: 4);
        Assert.True(scheduler.Handed(Rows(1, 3), T0));

        Assert.Equal(2, scheduler.Take(T0, int.MaxValue).Start!.Count);
        Assert.Equal(3, scheduler.Held);
        Assert.Single(scheduler.Stop());
        Assert.False(scheduler.Handed(Rows(1, 1), T0));
        Assert.Null(scheduler.Offer([1]));
    }
}
