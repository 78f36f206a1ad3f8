using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>The dispatcher's fair share, lease and not-answering rules, checked directly: no database, no clock, no waiting.</summary>
public sealed class EndpointSchedulerTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private static DeliveryOptions Options(int maxConcurrency = 128, int perEndpoint = 8, int batch = 64) => new()
    {
        MaxConcurrency = maxConcurrency,
        MaxConcurrencyPerEndpoint = perEndpoint,
        ClaimBatchSize = batch,
        Timeout = TimeSpan.FromSeconds(15),
        Lease = TimeSpan.FromSeconds(90),
        IdlePollInterval = TimeSpan.FromSeconds(5),
    };

    private static long _ids;

    private static List<ClaimedDelivery> Rows(long endpoint, int count, DateTime leaseUntil) =>
        [.. Enumerable.Range(0, count).Select(_ => new ClaimedDelivery(Interlocked.Increment(ref _ids), 1, endpoint, "msg", 0, T0, leaseUntil))];

    private static void Claim(EndpointScheduler scheduler, long endpoint, int count, DateTime? leaseUntil = null) =>
        scheduler.Claimed([new EndpointClaim(endpoint, count)], Rows(endpoint, count, leaseUntil ?? T0.AddSeconds(90)), T0);

    [Fact]
    public void Asks_NamedEndpoint_AskedUpToItsShare()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Want([7], unknown: false, T0);

        var ask = Assert.Single(scheduler.Asks());

        Assert.Equal(new EndpointClaim(7, 8 + 64), ask);
    }

    [Fact]
    public void Asks_ManyEndpointsWanted_NodeRoomSharedOutEvenly()
    {
        var scheduler = new EndpointScheduler(Options(maxConcurrency: 8, perEndpoint: 2, batch: 4)); // room 8 + 12 = 20
        scheduler.Want(Enumerable.Range(1, 10).Select(i => (long)i), unknown: false, T0);

        var asks = scheduler.Asks();

        Assert.Equal(10, asks.Count);
        Assert.All(asks, a => Assert.Equal(2, a.Limit));
    }

    [Fact]
    public void Asks_EndpointHoldingMoreThanRefillMark_NotAskedUntilItRunsDown()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 2, batch: 8)); // share 10, refill at 2 + 2 = 4
        scheduler.Want([1], unknown: false, T0);
        Claim(scheduler, 1, 10);
        scheduler.Want([1], unknown: false, T0);

        Assert.Empty(scheduler.Asks());

        var taken = scheduler.Take(T0, int.MaxValue);
        Assert.Equal(2, taken.Start!.Count); // at most two sends per endpoint
        var refill = false;
        var running = new Queue<ClaimedDelivery>(taken.Start);
        while (running.TryDequeue(out var claim))
        {
            var next = scheduler.Finished(claim, T0);
            refill |= next.Refill;
            if (scheduler.Held == 4) break;
            foreach (var started in next.Start ?? []) running.Enqueue(started);
        }

        Assert.True(refill, "running down to the refill mark asks for a claim");
        Assert.Equal(new EndpointClaim(1, 6), Assert.Single(scheduler.Asks()));
    }

    [Fact]
    public void Claimed_FewerRowsThanAsked_EndpointNoLongerWanted()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Want([1, 2], unknown: false, T0);
        var asks = scheduler.Asks();

        scheduler.Claimed(asks, [.. Rows(1, asks.Single(a => a.EndpointId == 1).Limit, T0.AddSeconds(90)), .. Rows(2, 3, T0.AddSeconds(90))], T0);
        var running = new Queue<ClaimedDelivery>(scheduler.Take(T0, int.MaxValue).Start!);
        while (running.TryDequeue(out var claim))
        {
            foreach (var started in scheduler.Finished(claim, T0).Start ?? []) running.Enqueue(started);
        }

        Assert.Equal(0, scheduler.Held);

        // Endpoint 1 gave all it was asked for (it may have more); endpoint 2 gave less (nothing more due).
        Assert.Equal([1L], scheduler.Asks().Select(a => a.EndpointId));
    }

    [Fact]
    public void Take_ReadyEndpoints_TakeTurnsForTheGlobalSlots()
    {
        var scheduler = new EndpointScheduler(Options(maxConcurrency: 4, perEndpoint: 4, batch: 8));
        Claim(scheduler, 1, 8);
        Claim(scheduler, 2, 8);

        var taken = scheduler.Take(T0, int.MaxValue);

        Assert.Equal([1L, 2L, 1L, 2L], taken.Start!.Select(c => c.EndpointId));
        Assert.Equal(4, scheduler.InFlight);
        Assert.Null(scheduler.Take(T0, int.MaxValue).Start);
    }

    [Fact]
    public void Take_LeaseTooShortForAnAttempt_HandedBackAsStaleNotStarted()
    {
        var scheduler = new EndpointScheduler(Options());
        Claim(scheduler, 1, 1, leaseUntil: T0.AddSeconds(15 + 4)); // Timeout 15 s + margin 5 s does not fit

        var taken = scheduler.Take(T0, int.MaxValue);

        Assert.Null(taken.Start);
        Assert.Single(taken.Stale!);
        Assert.True(taken.Refill);
        Assert.Equal(0, scheduler.Held);
    }

    [Fact]
    public void NotAnswering_FullEndpointWithoutProgress_ReportedOncePerPostponeInterval()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 2, batch: 4));
        Claim(scheduler, 1, 6);
        Claim(scheduler, 2, 1);

        Assert.Empty(scheduler.NotAnswering(T0 + EndpointScheduler.SlowAfter));
        var later = T0 + EndpointScheduler.SlowAfter + TimeSpan.FromMilliseconds(1);
        Assert.Equal([1L], scheduler.NotAnswering(later));
        Assert.Empty(scheduler.NotAnswering(later + TimeSpan.FromMilliseconds(999)));
        Assert.Equal([1L], scheduler.NotAnswering(later + EndpointScheduler.PostponeEvery));
        Assert.Equal([1L], scheduler.FullEndpoints());
    }

    [Fact]
    public void NextWait_FullEndpoint_LooksAgainWithinPostponeInterval()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 2, batch: 4));
        scheduler.Discovered([], T0);
        Assert.Equal(TimeSpan.FromSeconds(5), scheduler.NextWait(T0));

        Claim(scheduler, 1, 6);

        Assert.Equal(EndpointScheduler.PostponeEvery, scheduler.NextWait(T0));
    }

    [Fact]
    public void Written_PendingResults_WantedAgainWhenTheyFallDue()
    {
        var scheduler = new EndpointScheduler(Options());
        var retryAt = T0.AddMinutes(1);
        scheduler.Discovered([], retryAt.AddSeconds(-2));
        var claim = Rows(3, 1, T0.AddSeconds(90))[0];

        Assert.True(scheduler.Written([new DeliveryResult(claim, DeliveryStatus.Pending, 1, retryAt, T0, "HTTP 500", null)]));
        Assert.False(scheduler.Written([new DeliveryResult(claim, DeliveryStatus.Succeeded, 1, retryAt, T0, null, null)]));
        Assert.Equal(TimeSpan.FromSeconds(1), scheduler.NextWait(retryAt.AddSeconds(-1)));

        scheduler.Want([], unknown: false, retryAt.AddSeconds(-1));
        Assert.Empty(scheduler.Asks());
        scheduler.Want([], unknown: false, retryAt);
        Assert.Equal([3L], scheduler.Asks().Select(a => a.EndpointId));
    }

    [Fact]
    public void Written_FinishedResults_NeverWantedAgain()
    {
        var scheduler = new EndpointScheduler(Options());
        scheduler.Discovered([], T0);
        var claim = Rows(4, 1, T0.AddSeconds(90))[0];

        Assert.False(scheduler.Written([new DeliveryResult(claim, DeliveryStatus.Failed, 3, T0, T0, "HTTP 500", null)]));
        Assert.False(scheduler.Written([new DeliveryResult(claim, DeliveryStatus.Succeeded, 1, T0, T0, null, null)]));

        scheduler.Want([], unknown: false, T0.AddSeconds(4)); // before the idle discovery: only what the node knows of
        Assert.Empty(scheduler.Asks());
        Assert.Equal(TimeSpan.FromSeconds(1), scheduler.NextWait(T0.AddSeconds(4)));
    }

    [Fact]
    public void Want_DiscoveryOnUnknownSignalOrIdleInterval()
    {
        var scheduler = new EndpointScheduler(Options());
        Assert.True(scheduler.Want([], unknown: false, T0)); // at start
        scheduler.Discovered([], T0);

        Assert.False(scheduler.Want([5], unknown: false, T0.AddSeconds(4)));
        Assert.True(scheduler.Want([], unknown: true, T0.AddSeconds(4)));
        Assert.True(scheduler.Want([], unknown: false, T0.AddSeconds(5)));
    }

    [Fact]
    public void Stop_WaitingRowsHandedOut_NothingMoreClaimedOrStarted()
    {
        var scheduler = new EndpointScheduler(Options(perEndpoint: 1, batch: 4));
        Claim(scheduler, 1, 5);
        var running = scheduler.Take(T0, int.MaxValue).Start!.Single();

        var waiting = scheduler.Stop();

        Assert.Equal(4, waiting.Count);
        Assert.Equal(1, scheduler.Held);
        scheduler.Want([1], unknown: true, T0);
        Assert.Empty(scheduler.Asks());
        Assert.Null(scheduler.Finished(running, T0).Start);
        Assert.Equal(0, scheduler.InFlight);
    }
}
