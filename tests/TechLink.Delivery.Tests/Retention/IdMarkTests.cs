using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Model;
using TechLink.Delivery.Retention;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Retention;

/// <summary>
/// Id marks stand in for indexes on <c>created_at</c>: a time range's lower end becomes an id floor. These build a history
/// minute by minute (rows whose insert lags their <c>created_at</c>, a row backdated, marks every three minutes) and
/// check, for every <c>since</c> across it, that the floor keeps every row created since and cuts the older ones.
/// </summary>
public abstract class IdMarkTests : IAsyncLifetime
{
    protected static readonly DateTime Start = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private const long Endpoint = 41;
    private const long Tenant = 7;

    private readonly FakeTimeProvider _clock = new(Start);

    protected TestDbContext Db { get; private set; } = null!;

    protected abstract Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync();

    private DbContextOptions<TestDbContext> _options = null!;

    public virtual async Task InitializeAsync()
    {
        _options = (await OptionsAsync()).UseSnakeCaseNamingConvention().Options;
        Db = new TestDbContext(_options);
        await Db.Database.EnsureCreatedAsync();
    }

    public virtual async Task DisposeAsync() => await Db.DisposeAsync();

    /// <summary>One event with one delivery to <see cref="Endpoint"/>, created at <paramref name="created"/>, inserted now.</summary>
    private async Task<DeliveryRecord> InsertAsync(DateTime created, DeliveryStatus status = DeliveryStatus.Failed)
    {
        var row = new DeliveryRecord
        {
            Message = new OutboxMessage { TenantId = Tenant, EventType = "work order created", Subject = "1", Payload = "{}", CreatedAt = created },
            EndpointId = Endpoint, TenantId = Tenant, WebhookMessageId = "msg_" + Guid.CreateVersion7().ToString("N"),
            Status = status, NextAttemptAt = created, CreatedAt = created,
        };
        Db.Add(row);
        await Db.SaveChangesAsync();
        return row;
    }

    /// <summary>
    /// Thirty minutes of history: a row a minute, created when inserted; at 12:30, just after that minute's mark, a row
    /// created at 11:00 (a slow transaction: its id is above the mark although it was created before it); at the end a
    /// row backdated a day (created long before its insert). Marks at 0:30 and then every three minutes.
    /// </summary>
    private async Task<List<DeliveryRecord>> HistoryAsync()
    {
        var rows = new List<DeliveryRecord>();
        for (var minute = 0; minute < 30; minute++)
        {
            _clock.SetUtcNow(Start.AddMinutes(minute));
            rows.Add(await InsertAsync(_clock.GetUtcNow().UtcDateTime));
            _clock.Advance(TimeSpan.FromSeconds(30));
            if (minute % 3 == 0) Assert.NotNull(await IdMarks.RecordAsync(Db, _clock, CancellationToken.None));
            if (minute == 12) rows.Add(await InsertAsync(_clock.GetUtcNow().UtcDateTime.AddSeconds(-90)));
        }

        rows.Add(await InsertAsync(Start.AddDays(-1)));
        return rows;
    }

    [Fact]
    public async Task Floors_KeepEveryRowCreatedSince_AndCutOlderOnes()
    {
        var rows = await HistoryAsync();
        var cutAny = false;
        for (var since = Start.AddMinutes(-2); since <= Start.AddMinutes(33); since = since.AddSeconds(15))
        {
            var deliveryFloor = await IdMarks.DeliveryFloorAsync(Db, since, CancellationToken.None);
            var eventFloor = await IdMarks.EventFloorAsync(Db, since, CancellationToken.None);
            var expected = rows.Where(r => r.CreatedAt >= since).Select(r => r.Id).Order().ToList();
            Assert.Equal(expected, rows.Where(r => r.Id > deliveryFloor && r.CreatedAt >= since).Select(r => r.Id).Order().ToList());
            Assert.Equal(expected.Count, rows.Count(r => r.EventId > eventFloor && r.Message!.CreatedAt >= since));
            // A floor never sits above a row created since (the filter alone would hide that), and it does cut.
            Assert.All(rows.Where(r => r.CreatedAt >= since), r => Assert.True(r.Id > deliveryFloor, $"row {r.Id} created {r.CreatedAt:O}, since {since:O}, floor {deliveryFloor}"));
            cutAny |= rows.Count(r => r.Id <= deliveryFloor) >= 20;
        }

        Assert.True(cutAny, "no since in the history got a floor above its first 20 rows");
        // Before the first mark is old enough there is no floor; year 1 does not underflow.
        Assert.Equal(0, await IdMarks.DeliveryFloorAsync(Db, Start.AddSeconds(89), CancellationToken.None));
        Assert.Equal(0, await IdMarks.EventFloorAsync(Db, DateTime.MinValue, CancellationToken.None));
    }

    /// <summary>
    /// Retention deletes the marks recorded before the one that gives its earliest cutoff's floor: every floor from that
    /// cutoff on stays what it was, and the marks before it go.
    /// </summary>
    [Fact]
    public async Task DeleteBeforeFloor_KeepsEveryFloorFromTheCutoffOn()
    {
        await HistoryAsync();
        var cutoff = Start.AddMinutes(14);
        var sinces = Enumerable.Range(0, 80).Select(i => cutoff.AddSeconds(15 * i)).ToList();
        async Task<List<(long, long)>> FloorsAsync()
        {
            var floors = new List<(long, long)>();
            foreach (var since in sinces)
            {
                floors.Add((await IdMarks.DeliveryFloorAsync(Db, since, CancellationToken.None), await IdMarks.EventFloorAsync(Db, since, CancellationToken.None)));
            }

            return floors;
        }

        var before = await FloorsAsync();
        var marks = await Db.Set<IdMark>().CountAsync();

        var deleted = await IdMarks.DeleteBeforeFloorAsync(Db, cutoff, CancellationToken.None);

        Assert.Equal(before, await FloorsAsync());
        // Marks at 0:30, 3:30, ..., 12:30: the one at 12:30 gives 14:00's floor (a minute's margin), the four before go.
        Assert.Equal(4, deleted);
        Assert.Equal(marks - 4, await Db.Set<IdMark>().CountAsync());
        Assert.Equal(Start.AddMinutes(12.5), await Db.Set<IdMark>().MinAsync(m => m.RecordedAt));
        Assert.Equal(0, await IdMarks.DeleteBeforeFloorAsync(Db, cutoff, CancellationToken.None));
    }

    /// <summary>
    /// The recorder marks at start-up and after each interval of its clock; a run that fails (the database away) is
    /// logged and the next one, on time, marks. The fake clock is moved an interval at a time until each step is seen.
    /// </summary>
    [Fact]
    public async Task Recorder_MarksAtStartUpAndEachInterval_AndGoesOnAfterAFailure()
    {
        var first = await InsertAsync(Start);
        var failNext = 0;
        var logger = new FailureLog();
        DbContext Create() => Interlocked.Exchange(ref failNext, 0) == 1 ? throw new InvalidOperationException("database away") : new TestDbContext(_options);
        using var recorder = new IdMarkRecorder(Create, _clock, logger);
        await recorder.StartAsync(CancellationToken.None);
        try
        {
            await UntilAsync(async () => await Db.Set<IdMark>().AnyAsync(), advance: false);
            var second = await InsertAsync(_clock.GetUtcNow().UtcDateTime);
            Volatile.Write(ref failNext, 1);
            await UntilAsync(() => Task.FromResult(logger.Failures == 1), advance: true);
            await UntilAsync(async () => await Db.Set<IdMark>().CountAsync() == 2, advance: true);
            var marks = await Db.Set<IdMark>().AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.DeliveryId, m.RecordedAt }).ToListAsync();
            Assert.Equal([first.Id, second.Id], marks.Select(m => m.DeliveryId));
            Assert.True(marks[1].RecordedAt >= Start + 2 * IdMarks.Interval, $"second mark at {marks[1].RecordedAt:O}: not after the failed run");
            Assert.Equal(1, logger.Failures);
        }
        finally
        {
            await recorder.StopAsync(CancellationToken.None);
        }
    }

    private async Task UntilAsync(Func<Task<bool>> condition, bool advance)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "not seen in 20 s");
            if (advance) _clock.Advance(IdMarks.Interval);
            await Task.Delay(20);
        }
    }

    /// <summary>Counts the recorder's failures (log event IdMarkFailed).</summary>
    private sealed class FailureLog : Microsoft.Extensions.Logging.ILogger<IdMarkRecorder>
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == LogEventIds.IdMarkFailed) Interlocked.Increment(ref _failures);
        }
    }

    [Fact]
    public async Task Record_WritesNothingWhenNoRowWasAdded()
    {
        Assert.Null(await IdMarks.RecordAsync(Db, _clock, CancellationToken.None));
        var row = await InsertAsync(Start);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var mark = await IdMarks.RecordAsync(Db, _clock, CancellationToken.None);
        Assert.NotNull(mark);
        Assert.Equal((row.Id, row.EventId, Start.AddMinutes(1)), (mark.DeliveryId, mark.EventId, mark.RecordedAt));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await IdMarks.RecordAsync(Db, _clock, CancellationToken.None));
        Assert.Equal(1, await Db.Set<IdMark>().CountAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Replays_StartAtTheFloor_AndQueueExactlyTheRange(bool events)
    {
        var rows = await HistoryAsync();
        var since = Start.AddMinutes(10).AddSeconds(31);
        var until = Start.AddMinutes(20);
        var scope = new ReplayScope(Endpoint, Tenant, ReplayId: 99, since, until, Start.AddHours(1), Parked: false);
        Assert.True(await IdMarks.DeliveryFloorAsync(Db, since, CancellationToken.None) > 0);

        await using var transaction = await Db.Database.BeginTransactionAsync();
        var queued = events
            ? await DeliveryReplays.QueueEventsAsync(Db, scope, eventTypes: null, "replay_", CancellationToken.None)
            : await DeliveryReplays.QueueFailedAsync(Db, scope, CancellationToken.None);
        await transaction.CommitAsync();

        var expected = rows.Where(r => r.CreatedAt >= since && r.CreatedAt < until).Select(r => events ? r.EventId : r.Id).Order().ToList();
        Assert.Equal(10, expected.Count);
        Assert.Equal(expected.Count, queued);
        var replayed = await Db.Deliveries.AsNoTracking().Where(d => d.ReplayId == 99)
            .Select(d => events ? d.EventId : d.RedeliveryOfId!.Value).OrderBy(id => id).ToListAsync();
        Assert.Equal(expected, replayed);
    }
}

public sealed class SqliteIdMarkTests : IdMarkTests
{
    private readonly SqliteTestFile _file = new("id-marks");

    protected override Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync()
    {
        var options = new DbContextOptionsBuilder<TestDbContext>();
        _file.Options(options);
        return Task.FromResult(options);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }

    /// <summary>
    /// Retention's batches, as EF Core sends them (no index holds created_at): along the primary key from where the last
    /// batch stopped up to the ceiling; an event's pending deliveries are looked up by the event.
    /// </summary>
    [Fact]
    public async Task RetentionBatches_WalkThePrimaryKeyUpToTheCeiling()
    {
        Assert.Equal(["SEARCH d USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"], await PlanAsync(RetentionSweeper.DeliveriesToDelete(Db, Start, 10, 100, 500)));
        Assert.Equal(["SEARCH o USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)", "CORRELATED SCALAR SUBQUERY 1", "SEARCH d USING INDEX ix_deliveries_message_id (message_id=?)"],
            await PlanAsync(RetentionSweeper.EventsToDelete(Db, Start, 10, 100, 500)));
    }

    /// <summary>The plan of the command EF Core makes, with its parameters bound (SQLite may plan again with their values).</summary>
    private async Task<List<string>> PlanAsync(IQueryable<long> query)
    {
        await Db.Database.OpenConnectionAsync();
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await using var reader = await command.ExecuteReaderAsync();
        var plan = new List<string>();
        while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        return plan;
    }

    /// <summary>The log's newest-first page of a company since an instant walks (tenant_id, id) from the floor up.</summary>
    [Fact]
    public async Task LogSinceQuery_WalksTheTenantIdIndexFromTheFloor()
    {
        await Db.Database.OpenConnectionAsync();
        await using var command = Db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE tenant_id = 7 AND id > 100 AND created_at >= '2026-06-01' ORDER BY id DESC LIMIT 51";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("SEARCH deliveries USING INDEX ix_deliveries_tenant_id_id (tenant_id=? AND id>?)", reader.GetString(3));
        Assert.False(await reader.ReadAsync());
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresIdMarkTests(OwnPostgresFixture fixture) : IdMarkTests
{
    protected override async Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync() =>
        new DbContextOptionsBuilder<TestDbContext>().UseNpgsql(await fixture.Cluster.CreateDatabaseAsync("idmarks"));
}
