using TechLink.Delivery.Dispatching;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>
/// Breadth and depth: many wanted endpoints that hold nothing are claimed for by one bounded window, the endpoints held
/// here by their own claims; checked directly (no database, no clock).
/// </summary>
public sealed class EndpointSchedulerWindowTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static long _ids;

    private static DeliveryOptions Options(int maxConcurrency = 128, int perEndpoint = 8, int batch = 64) => new()
    {
        MaxConcurrency = maxConcurrency,
        MaxConcurrencyPerEndpoint = perEndpoint,
        ClaimBatchSize = batch,
        Timeout = TimeSpan.FromSeconds(15),
        Lease = TimeSpan.FromSeconds(90),
        IdlePollInterval = TimeSpan.FromSeconds(5),
    };

    private static List<ClaimedDelivery> Rows(long endpoint, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new ClaimedDelivery(Interlocked.Increment(ref _ids), 1, endpoint, "msg", 0, T0, T0.AddSeconds(90)))];

    private static IEnumerable<long> Range(long from, int count) => Enumerable.Range(0, count).Select(i => from + i);

    [Fact]
    public void Window_ManyWantedEndpointsHoldingNothing_OneWindowForAllInsteadOfAnAskEach()
    {
        var scheduler = new EndpointScheduler(Options()); // holds at most 128 + 3 × 64 = 320
        scheduler.Want(Range(1, 1000), unknown: false, T0);

        var asks = scheduler.Asks();
        var window = scheduler.Window(asks);

        Assert.Empty(asks);
        Assert.NotNull(window);
        Assert.Equal((320, 8, 320 * EndpointScheduler.WindowScanFactor), (window.Limit, window.PerEndpoint, window.Scan));
        Assert.Empty(window.Excluded);
    }

    [Fact]
    public void Window_FewerWantedEndpointsThanWindowFrom_AskedOneByOneAsBefore()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Want(Range(1, EndpointScheduler.WindowFrom - 1), unknown: false, T0);

        var asks = scheduler.Asks();

        Assert.Equal(EndpointScheduler.WindowFrom - 1, asks.Count);
        Assert.Null(scheduler.Window(asks));
    }

    [Fact]
    public void Window_EndpointsHeldHere_ExcludedFromWindowAndToppedUpByTheirOwnAskWithinTheirShare()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 2, batch: 8)); // share 10, refill at 4; node 128 + 24 = 152
        scheduler.Want([1, 2], unknown: false, T0);
        scheduler.Claimed([new EndpointClaim(1, 10), new EndpointClaim(2, 10)], [.. Rows(1, 3), .. Rows(2, 10)], T0);
        scheduler.Want([1, 2, .. Range(100, 50)], unknown: false, T0);

        var asks = scheduler.Asks();
        var window = scheduler.Window(asks);

        // Endpoint 1 holds 3 (at most its refill mark): its own claim tops it up to its share of 10. Endpoint 2 holds its
        // full share: neither asked for nor in the window. The 50 others are left to the window.
        Assert.Equal([new EndpointClaim(1, 7)], asks);
        Assert.NotNull(window);
        Assert.Equal([1L, 2L], window.Excluded.Order());
        Assert.Equal(152 - 13 - 7, window.Limit);
        Assert.Equal(2, window.PerEndpoint);
    }

    [Fact]
    public void Window_NodeHoldsAllItMay_NoWindow()
    {
        var scheduler = new EndpointScheduler(Options(maxConcurrency: 4, perEndpoint: 1, batch: 1)); // node 4 + 3 = 7
        scheduler.Want(Range(1, 7), unknown: false, T0);
        scheduler.Claimed([.. Range(1, 7).Select(e => new EndpointClaim(e, 1))], [.. Range(1, 7).SelectMany(e => Rows(e, 1))], T0);
        scheduler.Want(Range(100, 50), unknown: false, T0);

        var asks = scheduler.Asks();

        Assert.Empty(asks);
        Assert.Null(scheduler.Window(asks));
    }

    [Fact]
    public void ClaimedWindow_ScanSawEveryDueRow_OnlyEndpointsAtTheirCapStayWanted()
    {
        var scheduler = new EndpointScheduler(Options()); // cap 8 per endpoint in a window
        scheduler.Want(Range(1, 100), unknown: false, T0);
        var window = scheduler.Window(scheduler.Asks())!;

        scheduler.ClaimedWindow(window, new WindowClaims([.. Rows(5, 8), .. Rows(6, 1), .. Rows(500, 8)], Exhausted: true), T0);

        // 5 and 500 (found by the window, not named) may have more; 6 gave its last; the other 97 had none.
        Assert.Equal(17, scheduler.Held);
        var asks = scheduler.Asks();
        Assert.Equal([5L, 500L], asks.Select(a => a.EndpointId).Order());
        Assert.All(asks, a => Assert.Equal(8 + 64 - 8, a.Limit));
        Assert.Null(scheduler.Window(asks));
    }

    [Fact]
    public void ClaimedWindow_ScanStoppedAtItsBound_TheOthersStayWantedAndTheNextWindowFollows()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Want(Range(1, 100), unknown: false, T0);
        var window = scheduler.Window(scheduler.Asks())!;

        scheduler.ClaimedWindow(window, new WindowClaims([.. Range(1, 40).SelectMany(e => Rows(e, 1))], Exhausted: false), T0);

        var asks = scheduler.Asks();
        var next = scheduler.Window(asks);
        Assert.Empty(asks);
        Assert.NotNull(next);
        Assert.Equal(320 - 40, next.Limit);
        Assert.Equal(Range(1, 40), next.Excluded.Order());
    }

    [Fact]
    public void ClaimedWindow_Empty_NextRoundAsksPerEndpoint_ThenWindowsAgain()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Want(Range(1, 100), unknown: false, T0);
        var window = scheduler.Window(scheduler.Asks())!;

        // Its scan saw only rows of endpoints held here (or at their cap): a window would find nothing again.
        scheduler.ClaimedWindow(window, new WindowClaims([], Exhausted: false), T0);

        var asks = scheduler.Asks();
        Assert.Equal(100, asks.Count);
        Assert.Null(scheduler.Window(asks));

        scheduler.Claimed(asks, [.. Range(1, 10).SelectMany(e => Rows(e, 1))], T0);
        scheduler.Want(Range(200, 20), unknown: false, T0);
        Assert.NotNull(scheduler.Window(scheduler.Asks()));
    }

    [Fact]
    public void Window_NotAnsweringEndpoint_IsHeldSoExcludedAndNotAskedFor()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 2, batch: 4)); // share 6
        scheduler.Want([1], unknown: false, T0);
        scheduler.Claimed([new EndpointClaim(1, 6)], Rows(1, 6), T0);
        Assert.Equal(2, scheduler.Take(T0, int.MaxValue).Start!.Count);
        var later = T0 + EndpointScheduler.SlowAfter + TimeSpan.FromSeconds(1);
        Assert.Equal([1L], scheduler.NotAnswering(later));
        scheduler.Want([1, .. Range(100, 30)], unknown: false, later);

        var asks = scheduler.Asks();
        var window = scheduler.Window(asks);

        Assert.Empty(asks);
        Assert.NotNull(window);
        Assert.Equal([1L], window.Excluded);
    }
}
