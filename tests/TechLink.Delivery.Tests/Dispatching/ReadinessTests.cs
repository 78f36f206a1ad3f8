using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>
/// <see cref="DeliveryReadinessCheck{TContext}"/>: unhealthy when the oldest due pending delivery has waited longer than
/// ReadyMaxAge or the dispatcher's loop keeps failing; rows held back to a later time (a paused registration's) do not count.
/// Run once per provider, on a node without a dispatcher so the rows stay as written.
/// </summary>
public abstract class ReadinessTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider _time = new(T0);
    private DeliveryHarness _node = null!;

    protected abstract Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        var database = await CreateDatabaseAsync();
        _node = await DeliveryHarness.StartAsync(database, new TestEndpoints(), new Dictionary<string, string?>
        {
            ["TechLink:Delivery:ReadyMaxAge"] = "00:05:00",
            ["TechLink:Delivery:ReadyMaxLoopFailures"] = "3",
        }, _time, dispatcher: false);
        await using var db = await _node.CreateDbAsync();
        await db.Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task<HealthStatus> CheckAsync()
    {
        var check = new DeliveryReadinessCheck<TestDbContext>(
            _node.Services.GetRequiredService<IDbContextFactory<TestDbContext>>(),
            _node.Services.GetRequiredService<DispatcherHealth>(),
            _node.Services.GetRequiredService<IOptions<DeliveryOptions>>(),
            _time);
        return (await check.CheckHealthAsync(new HealthCheckContext())).Status;
    }

    private async Task AddAsync(DateTime due, DeliveryStatus status = DeliveryStatus.Pending)
    {
        await using var db = await _node.CreateDbAsync();
        foreach (var record in TestDeliveries.Add(db, 1, 1, due, _ => "{}")) record.Status = status;
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task OldestDueDelivery_OverReadyMaxAge_Unhealthy_UntilItIsSent()
    {
        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
        await AddAsync(T0);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HealthStatus.Unhealthy, await CheckAsync());

        await using (var db = await _node.CreateDbAsync())
        {
            await db.Deliveries.ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Succeeded));
        }

        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
    }

    [Fact]
    public async Task PendingRowsHeldBackToLater_AndFinishedOldRows_DoNotCount()
    {
        // A paused registration's rows: pending, due far in the future.
        await AddAsync(T0.AddYears(100));
        await AddAsync(T0.AddHours(-5), DeliveryStatus.Failed);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
    }

    [Fact]
    public async Task DispatcherLoop_FailingThreeTimesInARow_Unhealthy_OnePassThatWorksHeals()
    {
        var health = _node.Services.GetRequiredService<DispatcherHealth>();
        health.LoopFailed();
        health.LoopFailed();
        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
        health.LoopFailed();
        Assert.Equal(HealthStatus.Unhealthy, await CheckAsync());
        health.LoopSucceeded();
        Assert.Equal(HealthStatus.Healthy, await CheckAsync());
    }
}

public sealed class SqliteReadinessTests : ReadinessTests, IDisposable
{
    private readonly SqliteTestFile _file = new("techlink-ready");
    private readonly SqliteTestFile _broken = new("techlink-ready-broken");

    [Fact]
    public async Task RealDispatcher_LoopFailingOnAMissingSchema_Unhealthy_HealsOnceItWorks()
    {
        await using var node = await DeliveryHarness.StartAsync(_broken.Options, new TestEndpoints(), new Dictionary<string, string?>
        {
            ["TechLink:Delivery:IdlePollInterval"] = "00:00:00.200",
        });
        var health = node.Services.GetRequiredService<DispatcherHealth>();
        var check = new DeliveryReadinessCheck<TestDbContext>(
            node.Services.GetRequiredService<IDbContextFactory<TestDbContext>>(), health,
            node.Services.GetRequiredService<IOptions<DeliveryOptions>>(), TimeProvider.System);
        await WaitAsync(() => health.ConsecutiveLoopFailures >= 3, "the loop never failed three times in a row");
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("loop", result.Description, StringComparison.Ordinal);

        await using (var db = await node.CreateDbAsync()) await db.Database.EnsureCreatedAsync();
        await WaitAsync(() => health.ConsecutiveLoopFailures == 0, "the loop never recovered");
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    private static async Task WaitAsync(Func<bool> condition, string message)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException(message);
            await Task.Delay(20);
        }
    }

    protected override Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync() => Task.FromResult(_file.Options);

    public void Dispose()
    {
        _file.Dispose();
        _broken.Dispose();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresReadinessTests(OwnPostgresFixture fixture) : ReadinessTests
{
    protected override async Task<Action<DbContextOptionsBuilder>> CreateDatabaseAsync()
    {
        var connectionString = await fixture.Cluster.CreateDatabaseAsync("ready");
        return o => o.UseNpgsql(connectionString);
    }
}
