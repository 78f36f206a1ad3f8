using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Outbox;

/// <summary>
/// <c>techlink-sequence</c>: the outbox writers number each endpoint's deliveries per subject, from 1, in the writing
/// transaction (<see cref="SequenceNumbers"/>); the dispatcher sends the number; a redelivery keeps it. Run once per provider.
/// </summary>
public abstract class SequenceTests : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    protected Action<DbContextOptionsBuilder> Database { get; private set; } = null!;
    protected TestEndpoints Endpoints { get; } = new();
    protected LoopbackReceiver Receiver { get; private set; } = null!;
    protected DeliveryHarness Node { get; private set; } = null!;

    protected abstract Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync();

    protected virtual Task PrepareAsync(TestDbContext db) => Task.CompletedTask;

    protected virtual bool Dispatcher => true;

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        Node = await DeliveryHarness.StartAsync(Database, Endpoints, dispatcher: Dispatcher);
        await using (var db = await Node.CreateDbAsync())
        {
            await db.Database.EnsureCreatedAsync();
            await PrepareAsync(db);
        }

        Receiver = await LoopbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected OutboxInterceptor Outbox => Node.Services.GetRequiredService<OutboxInterceptor>();

    /// <summary>Queues one event about <paramref name="subject"/> (or none) for each endpoint given, on <paramref name="db"/>.</summary>
    protected void Enqueue(TestDbContext db, string? subject, int n, params long[] endpoints) =>
        Outbox.Enqueue(db, new PendingEvent(7, "work order note added", "1", $"{{\"n\":{n}}}", DateTime.UtcNow,
            [.. endpoints.Select(e => new PendingDelivery(e, "msg_" + Guid.CreateVersion7().ToString("N")))]) { SubjectKey = subject });

    protected async Task<List<(long Endpoint, string? Subject, int N, long? Sequence)>> RowsAsync()
    {
        await using var db = await Node.CreateDbAsync();
        var rows = await db.Deliveries.AsNoTracking().Include(d => d.Message).OrderBy(d => d.Id).ToListAsync();
        return [.. rows.Select(d => (d.EndpointId, d.Message!.SubjectKey, N(d.Message.Payload), d.Sequence))];
    }

    private static int N(string payload) => System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("n").GetInt32();

    [Fact]
    public async Task EventsOfOneSubject_NumberedPerEndpointFromOne_AndSentAsHeader()
    {
        var a = Endpoints.Add(Receiver.Url("/a"));
        var b = Endpoints.Add(Receiver.Url("/b"));
        await using (var db = await Node.CreateDbAsync())
        {
            // Two events of one subject in one save (one batch), one of another subject, one with none.
            Enqueue(db, "workorder:1", 1, a, b);
            Enqueue(db, "workorder:1", 2, a);
            Enqueue(db, "site:1", 3, a);
            Enqueue(db, null, 4, a);
            await db.SaveAndPublishAsync();
        }

        await using (var db = await Node.CreateDbAsync())
        {
            Enqueue(db, "workorder:1", 5, a, b);
            await db.SaveAndPublishAsync();
        }

        var rows = await RowsAsync();
        Assert.Equal([1L, 2L, 3L], rows.Where(r => r.Endpoint == a && r.Subject == "workorder:1").OrderBy(r => r.N).Select(r => r.Sequence));
        Assert.Equal([1L, 2L], rows.Where(r => r.Endpoint == b && r.Subject == "workorder:1").OrderBy(r => r.N).Select(r => r.Sequence));
        Assert.Equal(1L, rows.Single(r => r.Subject == "site:1").Sequence);
        Assert.Null(rows.Single(r => r.Subject is null).Sequence);

        var received = await Receiver.WaitForAsync(7, Wait);
        var headers = received.Where(r => r.Path == "/a").ToDictionary(r => N(r.Body), r => r.Headers.TryGetValue("techlink-sequence", out var v) ? v : null);
        Assert.Equal("1", headers[1]);
        Assert.Equal("2", headers[2]);
        Assert.Equal("1", headers[3]);
        Assert.Null(headers[4]);
        Assert.Equal("3", headers[5]);
    }

    [Fact]
    public async Task Enqueue_UnderAnActivity_StoresItsTraceParent()
    {
        var a = Endpoints.Add(Receiver.Url("/a"));
        using var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        await using (var db = await Node.CreateDbAsync())
        {
            Enqueue(db, "workorder:9", 1, a);
            await db.SaveAndPublishAsync();
        }

        request.Stop();
        await using var check = await Node.CreateDbAsync();
        var message = await check.Messages.AsNoTracking().SingleAsync();
        Assert.Equal(request.Id, message.TraceParent);
        Assert.Equal("workorder:9", message.SubjectKey);
    }

    [Fact]
    public async Task Redeliver_KeepsTheNumber_NextTakesTheFollowingOne()
    {
        var a = Endpoints.Add(Receiver.Url("/a"));
        await using (var db = await Node.CreateDbAsync())
        {
            Enqueue(db, "user:3", 1, a);
            await db.SaveAndPublishAsync();
        }

        await Receiver.WaitForAsync(1, Wait);
        await using (var db = await Node.CreateDbAsync())
        {
            var deadline = Stopwatch.StartNew();
            DeliveryRecord finished;
            while ((finished = await db.Deliveries.SingleAsync()).Status == DeliveryStatus.Pending)
            {
                Assert.True(deadline.Elapsed < Wait, "the first delivery never finished");
                await Task.Delay(20);
                db.ChangeTracker.Clear();
            }

            var again = DeliveryCommands.Redeliver(db, finished, DateTime.UtcNow);
            await db.SaveChangesAsync();
            Assert.Equal(1L, again.Sequence);
        }

        await using (var db = await Node.CreateDbAsync())
        {
            await db.Database.BeginTransactionAsync();
            Assert.Equal(2L, await SequenceNumbers.NextAsync(db, a, "user:3"));
            await db.Database.RollbackTransactionAsync();
        }

        var received = await Receiver.WaitForAsync(2, Wait);
        Assert.All(received, r => Assert.Equal("1", r.Headers["techlink-sequence"]));
        Assert.Single(received.Select(r => r.Headers["webhook-id"]).Distinct());
    }

    [Fact]
    public async Task PayloadOnSave_IsMadeAfterTheSavesOwnRows_SoOneSaveWritesARowAndAnEventWithItsId()
    {
        var a = Endpoints.Add(Receiver.Url("/a"));
        long rowId;
        await using (var db = await Node.CreateDbAsync())
        {
            // A row added the EF way (its id is the database's), and an event whose payload names that id.
            var row = new OutboxMessage { TenantId = 7, EventType = "a row of the host's", Payload = "{\"n\":0}", CreatedAt = DateTime.UtcNow };
            db.Messages.Add(row);
            Outbox.Enqueue(db, new PendingEvent(7, "work order note added", "1", "", DateTime.UtcNow, [new PendingDelivery(a, "msg_" + Guid.CreateVersion7().ToString("N"))])
            {
                PayloadOnSave = () => $"{{\"n\":{row.Id}}}",
            });
            Assert.Equal(1, await db.SaveAndPublishAsync());
            rowId = row.Id;
        }

        Assert.True(rowId > 0);
        var received = Assert.Single(await Receiver.WaitForAsync(1, Wait));
        Assert.Equal(rowId, N(received.Body));
        Assert.Contains((a, (string?)null, (int)rowId, (long?)null), await RowsAsync());
    }
}

public sealed class SqliteSequenceTests : SequenceTests, IDisposable
{
    private readonly SqliteTestFile _file = new("techlink-sequence");

    protected override Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync() => Task.FromResult(_file.Options);

    protected override Task PrepareAsync(TestDbContext db) => SqliteTestFile.UseWalAsync(db);

    public void Dispose() => _file.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSequenceTests(OwnPostgresFixture fixture) : SequenceTests
{
    protected override async Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync()
    {
        var connectionString = await fixture.Cluster.CreateDatabaseAsync("sequence");
        return o => o.UseNpgsql(connectionString);
    }

    [Fact]
    public async Task ConcurrentCommits_OneSubject_NumberedOneToNWithoutGapsOrDuplicates()
    {
        var a = Endpoints.Add(new Uri("http://127.0.0.1:9/never"));
        var b = Endpoints.Add(new Uri("http://127.0.0.1:9/never-b"));
        const int writers = 6, perWriter = 10;
        var n = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await using var db = await Node.CreateDbAsync();
                var first = Interlocked.Increment(ref n);
                Enqueue(db, "workorder:7", first, a, b);
                // Every other transaction carries two events of the subject: one batch takes two numbers.
                if (i % 2 == 0) Enqueue(db, "workorder:7", 1000 + first, a);
                await db.SaveAndPublishAsync();
            }
        })));

        var rows = await RowsAsync();
        var expectedA = writers * perWriter + writers * perWriter / 2;
        Assert.Equal(Enumerable.Range(1, expectedA).Select(i => (long?)i), rows.Where(r => r.Endpoint == a).Select(r => r.Sequence).Order());
        Assert.Equal(Enumerable.Range(1, writers * perWriter).Select(i => (long?)i), rows.Where(r => r.Endpoint == b).Select(r => r.Sequence).Order());
        // Within one transaction, the batch's order holds.
        foreach (var pair in rows.Where(r => r.Endpoint == a && r.N >= 1000))
        {
            var before = rows.Single(r => r.Endpoint == a && r.N == pair.N - 1000);
            Assert.Equal(before.Sequence + 1, pair.Sequence);
        }
    }

    [Fact]
    public async Task SecondWriter_WaitsForTheFirstsCommit_AndARollbackLeavesNoGap()
    {
        var a = Endpoints.Add(new Uri("http://127.0.0.1:9/never"));
        await using var first = await Node.CreateDbAsync();
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        Enqueue(first, "site:5", 1, a);
        await first.SaveChangesAsync();

        await using var second = await Node.CreateDbAsync();
        var secondSave = Task.Run(async () =>
        {
            await using var transaction = await second.Database.BeginTransactionAsync();
            Enqueue(second, "site:5", 2, a);
            await second.SaveChangesAsync();
            await transaction.CommitAsync();
        });

        // The second writer is blocked on the counter's row lock until the first transaction ends.
        await WaitForLockWaitAsync(first);
        Assert.False(secondSave.IsCompleted);
        await firstTransaction.RollbackAsync();
        await secondSave.WaitAsync(Wait);

        await using (var third = await Node.CreateDbAsync())
        {
            Enqueue(third, "site:5", 3, a);
            await third.SaveAndPublishAsync();
        }

        var rows = await RowsAsync();
        Assert.Equal([(2, (long?)1L), (3, 2L)], rows.Select(r => (r.N, r.Sequence)));
    }

    private static async Task WaitForLockWaitAsync(TestDbContext db)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var waiting = await db.Database.SqlQueryRaw<int>(
                "SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").SingleAsync();
            if (waiting > 0) return;
            if (deadline.Elapsed > Wait) throw new TimeoutException("the second writer never waited for the counter's lock");
            await Task.Delay(20);
        }
    }
}
