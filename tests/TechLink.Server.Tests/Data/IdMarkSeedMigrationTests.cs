using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// Migration RetentionByIdMarks: retention walks ids up to the floor of its cutoff, so the rows written before marks
/// were recorded get marks of their own, one per hour that has rows: the mark at hour T holds the first id created at
/// or after T minus one (a row whose id is out of time order included), and a last one at the hour before the
/// migration holds every id.
/// </summary>
public abstract class IdMarkSeedMigrationTests
{
    private static readonly DateTime Ten = new(2026, 11, 1, 10, 0, 0, DateTimeKind.Utc);

    protected abstract Task<TechLinkDbContext> OpenAsync();

    [Fact]
    public async Task Migration_MarksEachHourOfTheRowsKept()
    {
        await using var db = await OpenAsync();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("StatsDurationTotal");

        // In id order: 10:05, 10:50, 11:10, then 10:59 (its time taken before the 11:10 row's insert), then 13:30.
        var ids = new List<(long Event, long Delivery)>();
        foreach (var minutes in new[] { 5, 50, 70, 59, 210 })
        {
            var at = Ten.AddMinutes(minutes);
            var message = new OutboxMessage { TenantId = 1, EventType = "site created", Payload = "{}", CreatedAt = at };
            var delivery = new DeliveryRecord
            {
                Message = message, EndpointId = 5, TenantId = 1, WebhookMessageId = "msg_" + Guid.NewGuid().ToString("N"),
                Status = DeliveryStatus.Succeeded, NextAttemptAt = at, CreatedAt = at,
            };
            db.Add(delivery);
            await db.SaveChangesAsync();
            ids.Add((message.Id, delivery.Id));
        }

        var before = DateTime.UtcNow;
        await migrator.MigrateAsync();
        var after = DateTime.UtcNow;

        var marks = await db.Set<IdMark>().AsNoTracking().OrderBy(m => m.RecordedAt).ToListAsync();
        Assert.Equal(4, marks.Count);
        // Each hour: the first id of the rows created in it or later, minus one. 10:00 holds none; 11:00 the two rows
        // before the 11:10 one (not the 10:59 one: its id is above); 13:00 every row but the 13:30 one.
        Assert.Equal(
            [(Ten, ids[0].Delivery - 1, ids[0].Event - 1), (Ten.AddHours(1), ids[2].Delivery - 1, ids[2].Event - 1), (Ten.AddHours(3), ids[4].Delivery - 1, ids[4].Event - 1)],
            marks.Take(3).Select(m => (DateTime.SpecifyKind(m.RecordedAt, DateTimeKind.Utc), m.DeliveryId, m.EventId)));
        var last = marks[3];
        Assert.Equal((ids[4].Delivery, ids[4].Event), (last.DeliveryId, last.EventId));
        Assert.InRange(DateTime.SpecifyKind(last.RecordedAt, DateTimeKind.Utc), before.AddMinutes(-62), after.AddMinutes(-1));

        // So the rows of 10:00 are bounded from the 11:00 mark, as retention reads it.
        Assert.Equal(ids[1].Delivery, await IdMarks.DeliveryFloorAsync(db, Ten.AddHours(1) + IdMarks.Margin, CancellationToken.None));
    }

    [Fact]
    public async Task Migration_OfAnEmptyDatabase_WritesNoMark()
    {
        await using var db = await OpenAsync();
        await db.GetService<IMigrator>().MigrateAsync();
        Assert.Equal(0, await db.Set<IdMark>().CountAsync());
    }
}

public sealed class IdMarkSeedMigrationTestsSqlite : IdMarkSeedMigrationTests, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"idmark-migration-{Guid.NewGuid():N}.db");

    protected override Task<TechLinkDbContext> OpenAsync() => Task.FromResult(TechLink.Data.Sqlite.SqliteDataProvider.Instance.Open($"Data Source={_file};Pooling=false"));

    public void Dispose() => File.Delete(_file);
}

[Collection(PostgresCollection.Name)]
public sealed class IdMarkSeedMigrationTestsPostgres(PostgresFixture postgres) : IdMarkSeedMigrationTests
{
    protected override async Task<TechLinkDbContext> OpenAsync() =>
        TechLink.Data.Postgres.PostgresDataProvider.Instance.Open(await postgres.Cluster.CreateDatabaseAsync("idmarkseed"));

    /// <summary>
    /// A node not yet upgraded has taken an id for its row and not committed while the migration runs; a row committed
    /// after it is the first the migration sees of the hour. No mark may hold the open row's id: every mark stays at or
    /// below the largest id created before that transaction began.
    /// </summary>
    [Fact]
    public async Task Migration_WhileAnotherTransactionIsOpen_NoMarkHoldsItsRow()
    {
        var connection = await postgres.Cluster.CreateDatabaseAsync("idmarkseed");
        await using var db = TechLink.Data.Postgres.PostgresDataProvider.Instance.Open(connection);
        await using var other = TechLink.Data.Postgres.PostgresDataProvider.Instance.Open(connection);
        await db.GetService<IMigrator>().MigrateAsync("StatsDurationTotal");
        var now = DateTime.UtcNow;
        var old = await InsertAsync(db, now.AddHours(-3));

        await using (var open = await other.Database.BeginTransactionAsync())
        {
            await InsertAsync(other, now);
            await InsertAsync(db, now);
            // The migration writes its marks, then waits for the open transaction to drop the indexes: it commits then.
            var migration = db.GetService<IMigrator>().MigrateAsync();
            await using var watcher = TechLink.Data.Postgres.PostgresDataProvider.Instance.Open(connection);
            var until = DateTime.UtcNow.AddSeconds(30);
            while (!migration.IsCompleted && await watcher.Database.SqlQueryRaw<int>(
                "SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").SingleAsync() == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the migration never waited for the open transaction");
                await Task.Delay(20);
            }

            await open.CommitAsync();
            await migration;
        }

        var rows = await db.Deliveries.AsNoTracking().Select(d => new { d.Id, d.CreatedAt }).ToListAsync();
        var marks = await db.Set<IdMark>().AsNoTracking().ToListAsync();
        Assert.Equal(3, rows.Count);
        Assert.NotEmpty(marks);
        foreach (var mark in marks)
        {
            Assert.All(rows.Where(r => r.CreatedAt >= mark.RecordedAt), r => Assert.True(r.Id > mark.DeliveryId, $"row {r.Id} created {r.CreatedAt:O} is under the mark at {mark.RecordedAt:O} ({mark.DeliveryId})"));
        }

        // The row from before still gets a mark to be deleted by.
        Assert.Contains(marks, m => m.DeliveryId >= old);
    }

    private static async Task<long> InsertAsync(TechLinkDbContext db, DateTime at)
    {
        var delivery = new DeliveryRecord
        {
            Message = new OutboxMessage { TenantId = 1, EventType = "site created", Payload = "{}", CreatedAt = at },
            EndpointId = 5, TenantId = 1, WebhookMessageId = "msg_" + Guid.NewGuid().ToString("N"), Status = DeliveryStatus.Succeeded, NextAttemptAt = at, CreatedAt = at,
        };
        db.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }
}
