using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// Migration StatsDurationTotal: the stats buckets already kept get their attempts' durations added up from the attempts
/// (test sends left out, as the dispatcher leaves them out), so the portal's chart, which now reads the buckets, shows
/// the same mean latency for the hours before the upgrade.
/// </summary>
public abstract class StatsDurationMigrationTests
{
    private static readonly DateTime Bucket = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
    private const long Endpoint = 5;

    protected abstract Task<TechLinkDbContext> OpenAsync();

    [Fact]
    public async Task Migration_FillsTheKeptBucketsFromTheirAttempts()
    {
        await using var db = await OpenAsync();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("IdMarks");

        var message = new OutboxMessage { TenantId = 1, EventType = "site created", Payload = "{}", CreatedAt = Bucket };
        DeliveryRecord Delivery(bool test, params (int Second, int DurationMs)[] attempts) => new()
        {
            Message = message, EndpointId = Endpoint, TenantId = 1, WebhookMessageId = "msg_" + Guid.NewGuid().ToString("N"),
            Status = DeliveryStatus.Succeeded, NextAttemptAt = Bucket, CreatedAt = Bucket, IsTest = test,
            Attempts = [.. attempts.Select((a, i) => new DeliveryAttempt { Attempt = i + 1, StartedAt = Bucket.AddSeconds(a.Second), DurationMs = a.DurationMs })],
        };
        // Two attempts in the 10:00 bucket, one a test send's (not counted), one at 10:05:00 (the next bucket's), one at
        // 09:59:59 (the bucket before, which was not kept).
        db.AddRange(Delivery(false, (10, 100), (299, 300)), Delivery(true, (20, 5000)), Delivery(false, (300, 7000), (-1, 9)));
        await db.SaveChangesAsync();
        foreach (var start in new[] { Bucket, Bucket.AddMinutes(5) })
        {
            await db.Database.ExecuteSqlAsync($"INSERT INTO endpoint_stats (endpoint_id, bucket_start, attempts, succeeded, d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11) VALUES ({Endpoint}, {start}, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)");
        }

        await migrator.MigrateAsync();

        var totals = await db.EndpointStats.AsNoTracking().OrderBy(b => b.BucketStart).Select(b => b.DurationMsTotal).ToListAsync();
        Assert.Equal([400L, 7000L], totals);
    }
}

public sealed class StatsDurationMigrationTestsSqlite : StatsDurationMigrationTests, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"stats-migration-{Guid.NewGuid():N}.db");

    protected override Task<TechLinkDbContext> OpenAsync() => Task.FromResult(TechLink.Data.Sqlite.SqliteDataProvider.Instance.Open($"Data Source={_file};Pooling=false"));

    public void Dispose() => File.Delete(_file);
}

[Collection(PostgresCollection.Name)]
public sealed class StatsDurationMigrationTestsPostgres(PostgresFixture postgres) : StatsDurationMigrationTests
{
    protected override async Task<TechLinkDbContext> OpenAsync() =>
        TechLink.Data.Postgres.PostgresDataProvider.Instance.Open(await postgres.Cluster.CreateDatabaseAsync("statsmigration"));
}
