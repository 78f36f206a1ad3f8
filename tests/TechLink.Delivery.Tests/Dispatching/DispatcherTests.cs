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

/// <summary>The dispatcher against a real database and a real Kestrel receiver; run once per provider.</summary>
public abstract partial class DispatcherTests : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly List<DeliveryHarness> _nodes = [];

    protected Action<DbContextOptionsBuilder> Database { get; private set; } = null!;
    protected TestEndpoints Endpoints { get; } = new();
    protected LoopbackReceiver Receiver { get; private set; } = null!;

    protected abstract Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync();

    protected virtual Task PrepareAsync(TestDbContext db) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        await using (var db = CreateContext())
        {
            await db.Database.EnsureCreatedAsync();
            await PrepareAsync(db);
        }

        Receiver = await LoopbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>A context without the wake interceptor: rows it saves are found only by the dispatcher's own look.</summary>
    protected TestDbContext CreateContext()
    {
        var builder = new DbContextOptionsBuilder<TestDbContext>();
        Database(builder);
        builder.UseSnakeCaseNamingConvention();
        builder.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.ManyServiceProvidersCreatedWarning));
        return new TestDbContext(builder.Options);
    }

    protected async Task<DeliveryHarness> StartNodeAsync(IDictionary<string, string?>? settings = null, TimeProvider? time = null, bool dispatcher = true,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var node = await DeliveryHarness.StartAsync(Database, Endpoints, settings, time, dispatcher, services: services);
        _nodes.Add(node);
        return node;
    }

    protected static List<DeliveryRecord> AddDeliveries(TestDbContext db, long endpointId, int count, DateTime now, string? payload = null) =>
        TestDeliveries.Add(db, endpointId, count, now, i => payload ?? $"{{\"event\":\"work order created\",\"workorder_id\":\"123456\",\"n\":{i}}}");

    protected async Task<DeliveryRecord> LoadAsync(long id)
    {
        await using var db = CreateContext();
        return await db.Deliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync(d => d.Id == id);
    }

    /// <summary>Polls the database (it has no signal to offer) until the condition holds.</summary>
    protected async Task<DeliveryRecord> WaitForRecordAsync(long id, Func<DeliveryRecord, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var record = await LoadAsync(id);
            if (condition(record)) return record;
            if (deadline.Elapsed > (timeout ?? Wait)) throw new TimeoutException($"delivery {id}: status {record.Status}, {record.AttemptCount} attempts, lease {record.LeaseOwner}");
            await Task.Delay(20);
        }
    }

    /// <summary>Records the sizes of claims and result writes of one node (its own meter factory, not other tests').</summary>
    private sealed class BatchSizes : IDisposable
    {
        private readonly MeterListener _listener = new();

        public BatchSizes(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name is "techlink.delivery.claim.size" or "techlink.delivery.write.size") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
            {
                lock (this) (instrument.Name == "techlink.delivery.claim.size" ? Claims : Writes).Add(value);
            });
            _listener.Start();
        }

        public List<int> Claims { get; } = [];
        public List<int> Writes { get; } = [];

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Dispatcher_BacklogOfOneEndpoint_ClaimsAndWritesInBatchesNotPerDelivery()
    {
        const int Count = 400;
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:00:00.200" });
        using var measured = new BatchSizes(node.Services);

        // Saved without the wake-up, all at once: the backlog is found by the next look, as after a restart.
        await using (var db = CreateContext())
        {
            AddDeliveries(db, endpoint, Count, DateTime.UtcNow.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(Count, Wait);
        await using (var db = CreateContext())
        {
            var deadline = Stopwatch.StartNew();
            while (await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded) < Count && deadline.Elapsed < Wait) await Task.Delay(50);
            Assert.Equal(Count, await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Succeeded && d.LeaseOwner == null));
        }

        List<int> claims, writes;
        lock (measured)
        {
            claims = [.. measured.Claims.Where(c => c > 0)];
            writes = [.. measured.Writes];
        }

        // The old design claimed and wrote about once per delivery; batches of 64 and a 2 ms linger make it a few dozen.
        Assert.Equal(Count, claims.Sum());
        Assert.True(claims.Count <= Count / 8, $"{claims.Count} claims for {Count} deliveries: {string.Join(",", claims)}");
        Assert.True(writes.Sum() >= Count);
        Assert.True(writes.Count <= Count / 4, $"{writes.Count} result writes for {Count} deliveries: {string.Join(",", writes)}");
    }

    [Fact]
    public async Task Dispatcher_ManyEndpointsWithOneRowEach_ClaimedTogetherNotOneEndpointPerRound()
    {
        const int Count = 300;
        var endpoints = Enumerable.Range(0, Count).Select(i => Endpoints.Add(Receiver.Url($"/e{i}"))).ToList();
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:IdlePollInterval"] = "00:00:00.200" });
        using var measured = new BatchSizes(node.Services);
        await using (var db = CreateContext())
        {
            foreach (var endpoint in endpoints) AddDeliveries(db, endpoint, 1, DateTime.UtcNow.AddSeconds(-1));
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(Count, Wait);
        List<int> claims;
        lock (measured) claims = [.. measured.Claims.Where(c => c > 0)];

        // The room a node may hold is shared out among the endpoints that want rows: a round claims for many of them.
        Assert.Equal(Count, claims.Sum());
        Assert.True(claims.Count <= Count / 8, $"{claims.Count} claims for {Count} deliveries to {Count} endpoints: {string.Join(",", claims)}");
    }

    [Fact]
    public async Task Dispatcher_Stopped_LetsSendsInFlightFinishAndHandsHeldRowsBack()
    {
        const int Count = 60;
        Receiver.Respond = async _ =>
        {
            await Task.Delay(1500);
            return (200, "ok");
        };
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "4" });
        await using (var db = await node.CreateDbAsync())
        {
            AddDeliveries(db, endpoint, Count, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await Receiver.WaitForAsync(4, Wait);
        var stopping = Stopwatch.StartNew();
        await node.DisposeAsync();
        stopping.Stop();

        // Four sends were in flight (each takes 1.5 s): they finished and were recorded; nothing else is leased.
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed}");
        await using (var db = CreateContext())
        {
            var rows = await db.Deliveries.AsNoTracking().ToListAsync();
            var answered = Receiver.Answered.Select(a => a.Request.Headers["webhook-id"]).ToHashSet();
            Assert.True(answered.Count >= 4, $"{answered.Count} answered");
            Assert.All(rows.Where(r => answered.Contains(r.WebhookMessageId)), r => Assert.Equal(DeliveryStatus.Succeeded, r.Status));
            Assert.All(rows, r => Assert.Null(r.LeaseOwner));
            Assert.Equal(Count - answered.Count, rows.Count(r => r.Status == DeliveryStatus.Pending && r.AttemptCount == 0));
        }

        // A new node takes the handed-back rows at once, without waiting for any lease to expire.
        Receiver.Respond = _ => Task.FromResult((200, "ok"));
        var restarted = Stopwatch.StartNew();
        await StartNodeAsync();
        await Receiver.WaitForAsync(Count, Wait);
        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(10), $"the rest took {restarted.Elapsed}");
    }

    [Fact]
    public async Task Dispatcher_PendingDelivery_ArrivesOnceWithExactPayloadAndVerifiableSignatures()
    {
        var (old, current) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var withToken = Endpoints.Add(Receiver.Url("/a"), "secret-token", [old, current]);
        var withoutToken = Endpoints.Add(Receiver.Url("/b"), null, [current]);
        var node = await StartNodeAsync();
        const string payload = "{\"event\":\"work order created\", \"data\":{\"title\":\"Caf\u00e9 \u2713\",\"n\":1.50}}";
        List<DeliveryRecord> records;
        await using (var db = await node.CreateDbAsync())
        {
            records = [.. AddDeliveries(db, withToken, 1, DateTime.UtcNow, payload), .. AddDeliveries(db, withoutToken, 1, DateTime.UtcNow, payload)];
            await db.SaveChangesAsync();
        }

        var received = await Receiver.WaitForAsync(2, Wait);

        var a = Assert.Single(received, r => r.Path == "/a");
        var b = Assert.Single(received, r => r.Path == "/b");
        Assert.Equal(payload, a.Body);
        Assert.Equal(payload, b.Body);
        Assert.Equal("secret-token", a.Headers["x-token"]);
        Assert.False(b.Headers.ContainsKey("x-token"));
        Assert.StartsWith("TechLink-Webhooks/", a.Headers["user-agent"], StringComparison.Ordinal);
        Assert.Equal(records[0].WebhookMessageId, a.Headers["webhook-id"]);
        Assert.True(SignatureVerifier.Verifies(a.Body, a.Headers["webhook-id"], a.Headers["webhook-timestamp"], a.Headers["webhook-signature"], old));
        Assert.True(SignatureVerifier.Verifies(a.Body, a.Headers["webhook-id"], a.Headers["webhook-timestamp"], a.Headers["webhook-signature"], current));
        Assert.True(SignatureVerifier.Verifies(b.Body, b.Headers["webhook-id"], b.Headers["webhook-timestamp"], b.Headers["webhook-signature"], current));
        Assert.False(SignatureVerifier.Verifies(b.Body, b.Headers["webhook-id"], b.Headers["webhook-timestamp"], b.Headers["webhook-signature"], old));

        var done = await WaitForRecordAsync(records[0].Id, r => r.Status == DeliveryStatus.Succeeded);
        Assert.NotNull(done.CompletedAt);
        Assert.Null(done.LeaseOwner);
        var attempt = Assert.Single(done.Attempts);
        Assert.Equal(1, attempt.Attempt);
        Assert.Equal(200, attempt.StatusCode);
        Assert.DoesNotContain("secret-token", attempt.RequestHeaders, StringComparison.Ordinal);
        Assert.Equal(2, Receiver.Received.Count);
    }

    [Fact]
    public async Task Dispatcher_Attempt_KeepsTheAnswersHeaders_AndHeaderValuesAsSent()
    {
        Receiver.Respond = _ => Task.FromResult((409, "{\"error\":\"duplicate\"}"));
        Receiver.ResponseHeaders = _ => new Dictionary<string, string> { ["X-Receiver-Trace"] = "abc+def/1", ["Retry-Note"] = "later", ["Content-Type"] = "application/json" };
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync();
        long id;
        await using (var db = await node.CreateDbAsync())
        {
            id = AddDeliveries(db, endpoint, 1, DateTime.UtcNow)[0].Id;
            await db.SaveChangesAsync();
            id = db.Deliveries.Single().Id;
        }

        var received = Assert.Single(await Receiver.WaitForAsync(1, Wait));
        var record = await WaitForRecordAsync(id, r => r.AttemptCount == 1 && r.LeaseOwner is null);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal(409, attempt.StatusCode);
        using var answer = System.Text.Json.JsonDocument.Parse(attempt.ResponseHeaders!);
        Assert.Equal("abc+def/1", answer.RootElement.GetProperty("X-Receiver-Trace").GetString());
        Assert.Equal("later", answer.RootElement.GetProperty("Retry-Note").GetString());
        Assert.Contains("application/json", answer.RootElement.GetProperty("Content-Type").GetString(), StringComparison.Ordinal);
        // Stored as sent: a signature copied from the log matches the one the receiver got, "+" included.
        Assert.DoesNotContain("\\u00", attempt.RequestHeaders, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", attempt.ResponseHeaders, StringComparison.Ordinal);
        using var sent = System.Text.Json.JsonDocument.Parse(attempt.RequestHeaders!);
        Assert.Contains($"\"{received.Headers["webhook-signature"]}\"", attempt.RequestHeaders, StringComparison.Ordinal);
        Assert.Equal(received.Headers["webhook-signature"], sent.RootElement.GetProperty("webhook-signature").GetString());
    }

    [Fact]
    public async Task Dispatcher_AlwaysFailingEndpoint_ThreeAttemptsAtConfiguredSpacingThenFailedForGood()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        Receiver.Respond = _ => Task.FromResult((500, new string('e', 1024 * 1024)));
        var endpoint = Endpoints.Add(Receiver.Url());
        var node = await StartNodeAsync(time: time);
        long id;
        await using (var db = await node.CreateDbAsync())
        {
            id = AddDeliveries(db, endpoint, 1, time.GetUtcNow().UtcDateTime)[0].Id;
            await db.SaveChangesAsync();
            id = db.Deliveries.Single().Id;
        }

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await Receiver.WaitForAsync(attempt, Wait);
            var record = await WaitForRecordAsync(id, r => r.AttemptCount == attempt && r.LeaseOwner is null);
            if (attempt == 3) break;
            Assert.Equal(DeliveryStatus.Pending, record.Status);
            var spacing = record.NextAttemptAt - time.GetUtcNow().UtcDateTime;
            Assert.InRange(spacing, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));
            // That nothing happens before the retry is due is decided by the claim and the scheduler, checked directly:
            // Claim_OnlyDuePendingRowsWithoutALiveLease_... and EndpointSchedulerTests.Written_PendingResults_WantedAgainWhenTheyFallDue.
            Assert.Equal(attempt, Receiver.Received.Count);
            time.Advance(spacing);
        }

        var failed = await WaitForRecordAsync(id, r => r.Status == DeliveryStatus.Failed);
        Assert.NotNull(failed.CompletedAt);
        Assert.Equal("HTTP 500 Internal Server Error", failed.LastError);
        var attempts = failed.Attempts.OrderBy(a => a.Attempt).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.All(attempts, a =>
        {
            Assert.Equal(500, a.StatusCode);
            Assert.Equal("HTTP 500 Internal Server Error", a.Error);
            Assert.Equal(4096, a.ResponseExcerpt!.Length);
            Assert.True(a.DurationMs >= 0);
        });
        for (var i = 1; i < attempts.Count; i++)
        {
            Assert.InRange(attempts[i].StartedAt - attempts[i - 1].StartedAt, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));
        }

        Assert.Single(Receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct());

        // A failed delivery is never claimed again (Claim_OnlyDuePendingRowsWithoutALiveLease_...) nor wanted again
        // (EndpointSchedulerTests.Written_FinishedResults_NeverWantedAgain).
        Assert.Equal(3, Receiver.Received.Count);
        Assert.Equal(3, (await LoadAsync(id)).Attempts.Count);
    }

    [Fact]
    public async Task Dispatcher_RedirectAndTimeout_AreFailedAttempts()
    {
        using var release = new CancellationTokenSource();
        Receiver.Respond = async r =>
        {
            if (r.Path == "/moved") return (302, "elsewhere");
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return (200, "too late");
        };
        var moved = Endpoints.Add(Receiver.Url("/moved"));
        var slow = Endpoints.Add(Receiver.Url("/slow"));
        await StartNodeAsync(new Dictionary<string, string?> { ["TechLink:Delivery:MaxAttempts"] = "1", ["TechLink:Delivery:Timeout"] = "00:00:01" });
        long movedId, slowId;
        await using (var db = CreateContext())
        {
            AddDeliveries(db, moved, 1, DateTime.UtcNow);
            AddDeliveries(db, slow, 1, DateTime.UtcNow);
            await db.SaveChangesAsync();
            movedId = db.Deliveries.Single(d => d.EndpointId == moved).Id;
            slowId = db.Deliveries.Single(d => d.EndpointId == slow).Id;
        }

        var redirected = await WaitForRecordAsync(movedId, r => r.Status != DeliveryStatus.Pending);
        var timedOut = await WaitForRecordAsync(slowId, r => r.Status != DeliveryStatus.Pending);
        await release.CancelAsync();

        Assert.Equal(DeliveryStatus.Failed, redirected.Status);
        var redirect = Assert.Single(redirected.Attempts);
        Assert.Equal(302, redirect.StatusCode);
        Assert.Equal("redirect (302) not followed", redirect.Error);
        Assert.Equal(DeliveryStatus.Failed, timedOut.Status);
        var timeout = Assert.Single(timedOut.Attempts);
        Assert.Null(timeout.StatusCode);
        Assert.Equal("timed out after 1 s", timeout.Error);
        Assert.InRange(timeout.DurationMs, 900, 5000);
    }
}

public sealed class SqliteDispatcherTests : DispatcherTests, IDisposable
{
    private readonly SqliteTestFile _file = new("techlink-delivery");

    protected override Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync() => Task.FromResult(_file.Options);

    protected override Task PrepareAsync(TestDbContext db) => SqliteTestFile.UseWalAsync(db);

    public void Dispose() => _file.Dispose();
}
