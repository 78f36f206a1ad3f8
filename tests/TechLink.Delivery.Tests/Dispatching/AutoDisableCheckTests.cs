using Microsoft.Extensions.Logging.Abstractions;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Health;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>Which endpoints the dispatcher tells the host about after a batch: long and old enough runs only; 0 turns it off.</summary>
public sealed class AutoDisableCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class Watcher : IEndpointFailureWatcher
    {
        public List<FailingEndpoint> Told { get; } = [];

        public Task EndpointsFailingAsync(IReadOnlyList<FailingEndpoint> endpoints, CancellationToken cancellationToken)
        {
            Told.AddRange(endpoints);
            return Task.CompletedTask;
        }
    }

    private static async Task<List<long>> ToldAsync(int failedDeliveries, params HealthRow[] rows)
    {
        var watcher = new Watcher();
        var check = new AutoDisableCheck(watcher, new AutoDisableOptions { FailedDeliveries = failedDeliveries, FailingFor = TimeSpan.FromDays(1) },
            NullLogger.Instance);
        await check.CheckAsync(rows, Now.UtcDateTime, default);
        return [.. watcher.Told.Select(t => t.EndpointId)];
    }

    [Fact]
    public async Task CheckAsync_OnlyRunsLongAndOldEnough_AndZeroTurnsItOff()
    {
        var old = Now.UtcDateTime.AddDays(-1);
        HealthRow[] rows =
        [
            new(1, 20, old),                              // exactly the rule
            new(2, 19, old.AddDays(-5)),                  // too short
            new(3, 500, Now.UtcDateTime.AddHours(-23)),   // too recent
            new(4, 0, null),                              // healthy
            new(5, 21, old.AddSeconds(-1)),
        ];
        Assert.Equal([1, 5], await ToldAsync(20, rows));
        Assert.Empty(await ToldAsync(0, rows));
    }
}
