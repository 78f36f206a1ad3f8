using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TechLink.Sandbox.Tests.Infrastructure;
using TechLink.Server.Accounts;
using TechLink.Server.Companies;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sandbox;
using TechLink.Server.WorkOrders;
using TechLink.Testing;

namespace TechLink.Sandbox.Tests.Refresh;

/// <summary>The refresh's behaviours, run for each pair of providers by the subclasses below.</summary>
public abstract class RefreshTests : IAsyncLifetime
{
    private static readonly DateTimeOffset SnapshotTime = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(SnapshotTime);

    protected TestDatabase Production { get; private set; } = null!;

    protected TestDatabase Sandbox { get; private set; } = null!;

    protected abstract Task<TestDatabase> CreateSourceAsync();

    protected abstract Task<TestDatabase> CreateTargetAsync();

    public async Task InitializeAsync()
    {
        Production = await CreateSourceAsync();
        Sandbox = await CreateTargetAsync();
        await Seed.ProductionAsync(Production);
    }

    public async Task DisposeAsync()
    {
        await Production.DisposeAsync();
        await Sandbox.DisposeAsync();
    }

    private SandboxRefreshRequest Request(bool force = false) => new(Production.Location, Sandbox.Location, Production.FilesDir, Sandbox.FilesDir, force);

    /// <summary>Staging or old files folders that a refresh should have removed.</summary>
    private string[] Leftovers() =>
        [.. Directory.GetDirectories(Path.GetDirectoryName(Sandbox.FilesDir)!).Where(d => Path.GetFileName(d).StartsWith("files.", StringComparison.Ordinal))];

    private SandboxRefresher Refresher(Func<string, CancellationToken, Task>? afterTable = null) => new(_clock) { AfterTable = afterTable };

    [Fact]
    public async Task Refresh_UsedSandbox_CopiesRowsWithIdsAndFilesAndKeepsSandboxOwnRows()
    {
        await Seed.SandboxAsync(Sandbox);
        var ownBefore = await Sandbox.OwnTablesAsync();

        var result = await Refresher().RefreshAsync(Request(), null, CancellationToken.None);

        var productionCompanies = await Seed.CompanyIdsAsync(Production);
        var expected = await Production.CopiedTablesAsync();
        var actual = await Sandbox.CopiedTablesAsync(productionCompanies);
        foreach (var (table, rows) in expected) Assert.True(rows == actual[table], $"{table} differs:\nproduction:\n{rows}\nsandbox:\n{actual[table]}");
        Assert.Equal(3, result.Rows["work_orders"]);

        // The sandbox's own rows are exactly as they were: keys, registrations (of a copied and of a sandbox-only company), events, deliveries.
        Assert.Equal(ownBefore, await Sandbox.OwnTablesAsync());
        await using var db = Sandbox.Open();
        Assert.Equal("Sandbox-only test company", (await db.Companies.SingleAsync(c => c.Id == Seed.SandboxOnlyCompanyId)).Name);
        Assert.False(await db.ApiKeys.AnyAsync(k => k.Hash == ApiKey.HashOf(Seed.ProductionKey)));
        Assert.True(await db.ApiKeys.AnyAsync(k => k.Hash == ApiKey.HashOf(Seed.SandboxKey) && k.CompanyId == 1));

        // People log in with their usual password.
        var dana = await db.Users.SingleAsync(u => u.UserName == "dana");
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<User>().VerifyHashedPassword(dana, dana.PasswordHash!, Seed.ClientPassword));

        // Files: production's bytes under the same storage paths; the sandbox's old upload is gone.
        var files = await db.Files.AsNoTracking().ToListAsync();
        Assert.Equal(2, result.FilesCopied);
        Assert.Empty(result.MissingFiles);
        foreach (var f in files)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Production.FilesDir, f.StoragePath)), await File.ReadAllBytesAsync(Path.Combine(Sandbox.FilesDir, f.StoragePath)));
        }

        Assert.Equal(files.Count, Directory.GetFiles(Sandbox.FilesDir, "*", SearchOption.AllDirectories).Length);
        Assert.Empty(Leftovers());

        Assert.Equal("2026-11-28T12:00:00Z", await Sandbox.SettingAsync(SandboxRefresher.DataAsOfKey));
        Assert.Equal("Sandbox", await Sandbox.SettingAsync("environment"));

        // The next work order the sandbox creates gets a new id after the copied ones (PostgreSQL sequences were moved on).
        var maxId = await db.WorkOrders.MaxAsync(w => w.Id);
        var site = await db.Sites.FirstAsync();
        var created = Seed.Order(site.CompanyId, site.Id, "made in the sandbox", 10);
        db.WorkOrders.Add(created);
        await db.SaveChangesAsync();
        Assert.True(created.Id > maxId);
        var user = new User { UserName = "new-in-sandbox", CreatedAt = Seed.T0, UpdatedAt = Seed.T0 };
        db.Users.Add(user);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Refresh_RunTwice_GivesTheSameSandbox()
    {
        await Seed.SandboxAsync(Sandbox);
        await Refresher().RefreshAsync(Request(), null, CancellationToken.None);
        var first = await Sandbox.FingerprintAsync();

        await Refresher().RefreshAsync(Request(), null, CancellationToken.None);

        Assert.Equal(first, await Sandbox.FingerprintAsync());
    }

    [Theory]
    [InlineData("companies")]
    [InlineData("work_orders")]
    [InlineData("files")]
    public async Task Refresh_FailingHalfWay_LeavesSandboxAsItWas(string failAfter)
    {
        await Seed.SandboxAsync(Sandbox);
        var before = await Sandbox.FingerprintAsync();
        var reached = false;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Refresher((table, _) =>
        {
            if (table != failAfter) return Task.CompletedTask;
            reached = true;
            throw new InvalidOperationException("injected failure after " + table);
        }).RefreshAsync(Request(), null, CancellationToken.None));

        Assert.True(reached);
        Assert.Contains("injected", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Sandbox.FingerprintAsync());
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task Refresh_IntoProductionDatabase_IsRefused()
    {
        await Sandbox.MigrateAsync(TechLinkEnvironment.Production);
        var before = await Sandbox.FingerprintAsync();

        var error = await Assert.ThrowsAsync<SandboxRefreshRefusedException>(() => Refresher().RefreshAsync(Request(), null, CancellationToken.None));

        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Sandbox.FingerprintAsync());
    }

    [Fact]
    public async Task Refresh_FromNonProductionSource_IsRefusedUnlessForced()
    {
        await Seed.SandboxAsync(Sandbox);
        await using (var db = Production.Open())
        {
            (await db.SystemSettings.SingleAsync(s => s.Key == "environment")).Value = "Sandbox";
            await db.SaveChangesAsync();
        }

        var before = await Sandbox.FingerprintAsync();
        await Assert.ThrowsAsync<SandboxRefreshRefusedException>(() => Refresher().RefreshAsync(Request(), null, CancellationToken.None));
        Assert.Equal(before, await Sandbox.FingerprintAsync());

        await Refresher().RefreshAsync(Request(force: true), null, CancellationToken.None);
        Assert.Equal("2026-11-28T12:00:00Z", await Sandbox.SettingAsync(SandboxRefresher.DataAsOfKey));
    }

    [Fact]
    public async Task Refresh_IntoEmptyDatabase_MigratesItAndRecordsSandbox()
    {
        var result = await Refresher().RefreshAsync(Request(), null, CancellationToken.None);

        Assert.True(result.MigratedTarget);
        Assert.Equal("Sandbox", await Sandbox.SettingAsync("environment"));
        Assert.Equal(await Production.CopiedTablesAsync(), await Sandbox.CopiedTablesAsync());
    }

    [Fact]
    public async Task Refresh_WhileProductionTakesWrites_CopiesOneConsistentSnapshot()
    {
        await Seed.SandboxAsync(Sandbox);
        long siteId, companyId;
        await using (var db = Production.Open())
        {
            var site = await db.Sites.FirstAsync();
            (siteId, companyId) = (site.Id, site.CompanyId);
        }

        using var commits = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var db = Production.Open();
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                var order = Seed.Order(companyId, siteId, $"live-{++n}", 10);
                db.WorkOrders.Add(order);
                await db.SaveChangesAsync();
                db.Notes.Add(new Note { WorkOrderId = order.Id, CompanyId = companyId, Content = "live note " + n, CreatedAt = Seed.T0 });
                await db.SaveChangesAsync();
                await tx.CommitAsync();
                db.ChangeTracker.Clear();
                commits.Release();
            }
        });

        // Between copying the work orders and the notes, production commits more work orders with their notes:
        // a copy that is not one snapshot would find notes whose work order it did not copy.
        await commits.WaitAsync(TimeSpan.FromSeconds(30));
        var result = await Refresher(async (table, ct) =>
        {
            if (table != "work_orders") return;
            while (commits.CurrentCount > 0) await commits.WaitAsync(ct);
            for (var i = 0; i < 5; i++) Assert.True(await commits.WaitAsync(TimeSpan.FromSeconds(30), ct), "the writer stalled");
        }).RefreshAsync(Request(), null, CancellationToken.None);
        await stop.CancelAsync();
        await writer;

        await using var sandbox = Sandbox.Open();
        var orders = await sandbox.WorkOrders.AsNoTracking().ToListAsync();
        var notes = await sandbox.Notes.AsNoTracking().ToListAsync();
        var orderIds = orders.Select(o => o.Id).ToHashSet();
        Assert.All(notes, n => Assert.Contains(n.WorkOrderId, orderIds));
        var liveOrders = orders.Where(o => o.Title.StartsWith("live-", StringComparison.Ordinal)).Select(o => o.Id).ToHashSet();
        Assert.NotEmpty(liveOrders);
        Assert.Equal(liveOrders.Count, notes.Count(n => liveOrders.Contains(n.WorkOrderId)));
        Assert.Equal(result.Rows["work_orders"], orders.Count);
        Assert.Equal(result.Rows["work_order_notes"], notes.Count);

        await using var production = Production.Open();
        Assert.True(await production.WorkOrders.CountAsync() >= orders.Count + 5, "production went on writing after the snapshot");
    }
}

public sealed class SqliteToSqliteRefreshTests : RefreshTests
{
    protected override Task<TestDatabase> CreateSourceAsync() => Task.FromResult(TestDatabase.Sqlite());

    protected override Task<TestDatabase> CreateTargetAsync() => Task.FromResult(TestDatabase.Sqlite());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresToPostgresRefreshTests(PostgresFixture postgres) : RefreshTests
{
    protected override Task<TestDatabase> CreateSourceAsync() => TestDatabase.PostgresAsync(postgres.Cluster);

    protected override Task<TestDatabase> CreateTargetAsync() => TestDatabase.PostgresAsync(postgres.Cluster);
}

[Collection(PostgresCollection.Name)]
public sealed class SqliteToPostgresRefreshTests(PostgresFixture postgres) : RefreshTests
{
    protected override Task<TestDatabase> CreateSourceAsync() => Task.FromResult(TestDatabase.Sqlite());

    protected override Task<TestDatabase> CreateTargetAsync() => TestDatabase.PostgresAsync(postgres.Cluster);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresToSqliteRefreshTests(PostgresFixture postgres) : RefreshTests
{
    protected override Task<TestDatabase> CreateSourceAsync() => TestDatabase.PostgresAsync(postgres.Cluster);

    protected override Task<TestDatabase> CreateTargetAsync() => Task.FromResult(TestDatabase.Sqlite());
}
