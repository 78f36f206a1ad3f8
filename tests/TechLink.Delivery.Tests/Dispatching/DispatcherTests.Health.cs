using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Health;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>Endpoint health and stats, Retry-After and the auto-disable hook (issue 14), on each provider.</summary>
public abstract partial class DispatcherTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class RecordingWatcher : IEndpointFailureWatcher
    {
        public ConcurrentQueue<FailingEndpoint> Told { get; } = new();

        public Task EndpointsFailingAsync(IReadOnlyList<FailingEndpoint> endpoints, CancellationToken cancellationToken)
        {
            foreach (var e in endpoints) Told.Enqueue(e);
            return Task.CompletedTask;
        }
    }

    private async Task<List<long>> AddAndSaveAsync(DeliveryHarness node, long endpoint, int count, DateTime now)
    {
        await using var db = await node.CreateDbAsync();
        var records = AddDeliveries(db, endpoint, count, now);
        await db.SaveChangesAsync();
        return [.. records.Select(r => r.Id)];
    }

    [Fact]
    public async Task ResultWrite_SuccessesAndFailures_KeepsHealthStatsAndLastStatusCodeInTheSameWrite()
    {
        var time = new FakeTimeProvider(Start);
        Receiver.Respond = r => Task.FromResult(r.Body.Contains("\"n\":1", StringComparison.Ordinal) ? (401, "no") : (200, "ok"));
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:MaxAttempts"] = "1" }, time);
        var ids = await AddAndSaveAsync(node, endpoint, 3, time.GetUtcNow().UtcDateTime);
        foreach (var id in ids) await WaitForRecordAsync(id, r => r.Status != DeliveryStatus.Pending);

        await using var db = CreateContext();
        var records = await db.Deliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        Assert.Equal([200, 401, 200], records.Select(r => r.LastStatusCode ?? 0));
        var bucket = Assert.Single(await db.Stats.AsNoTracking().Where(b => b.EndpointId == endpoint).ToListAsync());
        Assert.Equal(Start.UtcDateTime, bucket.BucketStart);
        Assert.Equal(3, bucket.Attempts);
        Assert.Equal(2, bucket.Succeeded);
        Assert.Equal(3, bucket.D0 + bucket.D1 + bucket.D2 + bucket.D3 + bucket.D4 + bucket.D5 + bucket.D6 + bucket.D7 + bucket.D8 + bucket.D9 + bucket.D10 + bucket.D11);
        var health = await db.Health.AsNoTracking().SingleAsync(h => h.EndpointId == endpoint);
        Assert.Equal(Start.UtcDateTime, health.LastSuccessAt);
        Assert.Equal(Start.UtcDateTime, health.LastFailureAt);
        // Whether the 401 came before or after the last success depends on the batches; the run is at most that one.
        Assert.InRange(health.ConsecutiveFailedDeliveries, 0, 1);
        Assert.Equal(health.ConsecutiveFailedDeliveries == 0, health.FailingSince is null && health.AuthRejectedSince is null);
    }

    [Fact]
    public async Task ResultWrite_RunOfFailures_CountsDeliveriesNotAttemptsAndSuccessRestartsIt()
    {
        var time = new FakeTimeProvider(Start);
        var failing = true;
        Receiver.Respond = _ => Task.FromResult(Volatile.Read(ref failing) ? (403, "no") : (200, "ok"));
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:MaxAttempts"] = "1" }, time);
        var created = time.GetUtcNow().UtcDateTime;
        foreach (var id in await AddAndSaveAsync(node, endpoint, 4, created)) await WaitForRecordAsync(id, r => r.Status == DeliveryStatus.Failed);

        await using (var db = CreateContext())
        {
            var health = await db.Health.AsNoTracking().SingleAsync(h => h.EndpointId == endpoint);
            Assert.Equal(4, health.ConsecutiveFailedDeliveries);
            Assert.Equal(created, health.FailingSince);
            Assert.Equal(Start.UtcDateTime, health.AuthRejectedSince);
            Assert.Null(health.LastSuccessAt);
        }

        Volatile.Write(ref failing, false);
        time.Advance(TimeSpan.FromMinutes(7));
        var ok = (await AddAndSaveAsync(node, endpoint, 1, time.GetUtcNow().UtcDateTime))[0];
        await WaitForRecordAsync(ok, r => r.Status == DeliveryStatus.Succeeded);
        await using (var db = CreateContext())
        {
            var health = await db.Health.AsNoTracking().SingleAsync(h => h.EndpointId == endpoint);
            Assert.Equal(0, health.ConsecutiveFailedDeliveries);
            Assert.Null(health.FailingSince);
            Assert.Null(health.AuthRejectedSince);
            Assert.Equal(time.GetUtcNow().UtcDateTime, health.LastSuccessAt);
            var buckets = await db.Stats.AsNoTracking().Where(b => b.EndpointId == endpoint).OrderBy(b => b.BucketStart).ToListAsync();
            Assert.Equal([4, 1], buckets.Select(b => b.Attempts));
            Assert.Equal([0, 1], buckets.Select(b => b.Succeeded));
            Assert.Equal(Start.UtcDateTime.AddMinutes(5), buckets[1].BucketStart);
        }
    }

    [Theory]
    [InlineData(429, "300", 300)]
    [InlineData(503, "date", 400)]
    [InlineData(429, "3600", 600)]
    public async Task Dispatcher_RetryAfter_PutsNextAttemptNoEarlierUpToTheMaxWithoutAnExtraAttempt(int status, string retryAfter, int expectedSeconds)
    {
        var time = new FakeTimeProvider(Start);
        Receiver.Respond = _ => Task.FromResult((status, "busy"));
        Receiver.ResponseHeaders = _ => new Dictionary<string, string>
        {
            ["Retry-After"] = retryAfter == "date" ? time.GetUtcNow().AddSeconds(400).ToString("R", CultureInfo.InvariantCulture) : retryAfter,
        };
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(time: time);
        var id = (await AddAndSaveAsync(node, endpoint, 1, time.GetUtcNow().UtcDateTime))[0];

        var record = await WaitForRecordAsync(id, r => r.AttemptCount == 1 && r.LeaseOwner is null);
        Assert.Equal(DeliveryStatus.Pending, record.Status);
        Assert.Equal(status, record.LastStatusCode);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), record.NextAttemptAt - time.GetUtcNow().UtcDateTime);

        // Still three attempts in all: the Retry-After moved the second, it did not add one.
        time.Advance(TimeSpan.FromSeconds(expectedSeconds));
        await WaitForRecordAsync(id, r => r.AttemptCount == 2 && r.LeaseOwner is null);
        time.Advance(TimeSpan.FromSeconds(expectedSeconds));
        var failed = await WaitForRecordAsync(id, r => r.Status == DeliveryStatus.Failed);
        Assert.Equal(3, failed.AttemptCount);
    }

    /// <summary>
    /// The node's store, moving the clock by <see cref="Move"/>'s time once the first result batch with a delivery
    /// <see cref="Move"/> picks has committed (picked by the batch, so a write still returning when it is armed is not it).
    /// </summary>
    private sealed class ClockMovingStore(IDeliveryStore inner, FakeTimeProvider time) : IDeliveryStore
    {
        public (Func<long, bool> Picks, TimeSpan By)? Move { get; set; }

        public async Task<WriteOutcome> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken)
        {
            var outcome = await inner.WriteAsync(results, cancellationToken);
            if (Move is { } move && results.Any(r => move.Picks(r.Claim.Id)))
            {
                Move = null;
                time.Advance(move.By);
            }

            return outcome;
        }

        public Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken) =>
            inner.ClaimAsync(endpoints, now, leaseUntil, cancellationToken);

        public Task<WindowClaims> ClaimWindowAsync(ClaimWindow window, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken) =>
            inner.ClaimWindowAsync(window, now, leaseUntil, cancellationToken);

        public Task<IReadOnlyList<long>> DiscoverAsync(IReadOnlyCollection<long> excluded, DateTime now, CancellationToken cancellationToken) =>
            inner.DiscoverAsync(excluded, now, cancellationToken);

        public Task<int> PostponeAsync(IReadOnlyCollection<long> endpoints, DateTime until, DateTime now, CancellationToken cancellationToken) =>
            inner.PostponeAsync(endpoints, until, now, cancellationToken);

        public Task<int> UnparkAsync(IReadOnlyCollection<long> endpoints, CancellationToken cancellationToken) => inner.UnparkAsync(endpoints, cancellationToken);

        public Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken) => inner.BacklogAsync(cancellationToken);
    }

    [Fact]
    public async Task Dispatcher_AutoDisableRule_TellsTheHostOnlyOnceTheRunIsLongAndOldEnough()
    {
        var time = new FakeTimeProvider(Start);
        var watcher = new RecordingWatcher();
        ClockMovingStore? store = null;
        Receiver.Respond = _ => Task.FromResult((500, "down"));
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?>
        {
            ["TechLink:Delivery:MaxAttempts"] = "1",
            ["TechLink:Delivery:AutoDisable:FailedDeliveries"] = "3",
            ["TechLink:Delivery:AutoDisable:FailingFor"] = "01:00:00",
        }, time, services: s =>
        {
            s.AddSingleton<IEndpointFailureWatcher>(watcher);
            // The rule is judged at the time of the write, not whenever the check gets to run after it: the clock
            // moves between the two here (as it did when this test advanced it right after the row read failed).
            var registered = s.Single(d => d.ServiceType == typeof(IDeliveryStore));
            s.Remove(registered);
            s.AddSingleton<IDeliveryStore>(sp => store = new ClockMovingStore((IDeliveryStore)registered.ImplementationFactory!(sp), time));
        });

        var first = await AddAndSaveAsync(node, endpoint, 3, time.GetUtcNow().UtcDateTime);
        foreach (var id in first) await WaitForRecordAsync(id, r => r.Status == DeliveryStatus.Failed);
        Assert.Empty(watcher.Told);

        time.Advance(TimeSpan.FromMinutes(59));
        store!.Move = (id => !first.Contains(id), TimeSpan.FromMinutes(2));
        var early = (await AddAndSaveAsync(node, endpoint, 1, time.GetUtcNow().UtcDateTime))[0];
        await WaitForRecordAsync(early, r => r.Status == DeliveryStatus.Failed);

        var late = (await AddAndSaveAsync(node, endpoint, 1, time.GetUtcNow().UtcDateTime))[0];
        await WaitForRecordAsync(late, r => r.Status == DeliveryStatus.Failed);
        // The host is told after the result batch commits, so a moment after the row reads failed.
        var telling = System.Diagnostics.Stopwatch.StartNew();
        while (watcher.Told.IsEmpty && telling.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        var told = Assert.Single(watcher.Told);
        Assert.Equal(endpoint, told.EndpointId);
        Assert.Equal(5, told.ConsecutiveFailedDeliveries);
        Assert.Equal(Start.UtcDateTime, told.FailingSince);
    }
}
