using TechLink.Delivery.Model;
using TechLink.Server.Portal.Companies;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>The portal's chart: 24 hours from the endpoints' five-minute stats buckets, summed by hour.</summary>
public sealed class DeliveryChartTests
{
    private static EndpointStatsBucket At(DateTime start, int attempts, int succeeded, long total, long endpoint = 1) =>
        new() { EndpointId = endpoint, BucketStart = start, Attempts = attempts, Succeeded = succeeded, DurationMsTotal = total };

    [Fact]
    public void Buckets_SumFiveMinuteStatsByHour_MeanLatencyOverAllAttempts()
    {
        var now = new DateTime(2026, 12, 1, 10, 17, 0, DateTimeKind.Utc);
        var hours = DeliveryChart.Buckets(
        [
            At(new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc), attempts: 3, succeeded: 2, total: 600),
            At(new DateTime(2026, 12, 1, 10, 5, 0, DateTimeKind.Utc), attempts: 1, succeeded: 0, total: 400, endpoint: 2),
            At(new DateTime(2026, 11, 30, 11, 0, 0, DateTimeKind.Utc), attempts: 2, succeeded: 2, total: 100),
            At(new DateTime(2026, 11, 30, 10, 55, 0, DateTimeKind.Utc), attempts: 9, succeeded: 9, total: 900),
        ], now);

        Assert.Equal(24, hours.Count);
        Assert.Equal(new HourBucket(new DateTime(2026, 11, 30, 11, 0, 0, DateTimeKind.Utc), 2, 0, 50), hours[0]);
        Assert.Equal(new HourBucket(new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc), 2, 2, 250), hours[23]);
        Assert.All(hours.Skip(1).Take(22), h => Assert.Equal((0, 0, 0.0), (h.Delivered, h.Failed, h.MeanLatencyMs)));
    }
}
