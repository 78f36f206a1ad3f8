using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>The health answer computed from the engine's rows: states, the histogram p95 and the warnings (no database).</summary>
public sealed class WebhookHealthTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 2, 0, DateTimeKind.Utc);
    private static readonly DeliveryOptions Options = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static WebhookRegistration Registration(bool enabled = true, bool paused = false) => new()
    {
        Id = 1, CompanyId = 1, Type = "site created", EventTypes = "site created", Url = "https://example.com/", SecretProtected = "x",
        Enabled = enabled, Paused = paused,
    };

    /// <summary>A bucket with <paramref name="counts"/> attempts in the histogram's buckets 0, 1, 2, ….</summary>
    private static EndpointStatsBucket Bucket(DateTime start, int succeeded, params int[] counts)
    {
        var d = new int[12];
        counts.CopyTo(d, 0);
        return new EndpointStatsBucket
        {
            EndpointId = 1, BucketStart = start, Attempts = d.Sum(), Succeeded = succeeded,
            D0 = d[0], D1 = d[1], D2 = d[2], D3 = d[3], D4 = d[4], D5 = d[5], D6 = d[6], D7 = d[7], D8 = d[8], D9 = d[9], D10 = d[10], D11 = d[11],
        };
    }

    [Fact]
    public void P95_InterpolatesWithinTheBucketItFallsIn()
    {
        // 100 attempts: 90 under 50 ms, 10 in (50, 100]: the 95th is half-way into the second bucket.
        Assert.Equal(75, WebhookHealth.P95([Bucket(Now, 100, 90, 10)], 10_000));
        Assert.Equal(48, WebhookHealth.P95([Bucket(Now, 100, 100)], 10_000));
        // All in the last, unbounded bucket: it ends at the timeout.
        Assert.Equal(19_750, WebhookHealth.P95([Bucket(Now, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20)], 20_000));
        Assert.Null(WebhookHealth.P95([], 10_000));
    }

    [Fact]
    public void Compute_States_FromTheRegistrationAndTheEngineRows()
    {
        var healthy = new EndpointHealth { EndpointId = 1, LastSuccessAt = Now };
        Assert.Equal("unknown", WebhookHealth.Compute(Registration(), null, [], Options, Now).State);
        Assert.Equal("healthy", WebhookHealth.Compute(Registration(), healthy, [Bucket(Now, 5, 5)], Options, Now).State);
        Assert.Equal("degraded", WebhookHealth.Compute(Registration(), healthy, [Bucket(Now, 4, 5)], Options, Now).State);
        Assert.Equal("failing", WebhookHealth.Compute(Registration(), new EndpointHealth { ConsecutiveFailedDeliveries = 1 }, [Bucket(Now, 4, 5)], Options, Now).State);
        Assert.Equal("paused", WebhookHealth.Compute(Registration(paused: true), healthy, [], Options, Now).State);
        var disabled = Registration(enabled: false);
        disabled.DisabledReason = "Disabled automatically: …";
        disabled.DisabledAt = Now;
        var answer = WebhookHealth.Compute(disabled, healthy, [Bucket(Now, 3, 4)], Options, Now);
        Assert.Equal("disabled", answer.State);
        Assert.Equal("Disabled automatically: …", answer.DisabledReason);
        Assert.Equal(0.75, answer.SuccessRate24h);
        Assert.Equal(4, answer.Attempts24h);
    }

    [Fact]
    public void Compute_LatencyNearTimeout_OnlyFromTheLastHour()
    {
        // p95 in (5000, 7500] ms, over half the 10 s timeout.
        var slow = Bucket(Now.AddMinutes(-2), 10, 0, 0, 0, 0, 0, 0, 0, 0, 10);
        var warning = Assert.Single(WebhookHealth.Compute(Registration(), new EndpointHealth(), [slow], Options, Now).Warnings);
        Assert.Equal(WebhookHealth.LatencyNearTimeout, warning.Code);
        var old = Bucket(Now.AddHours(-2), 10, 0, 0, 0, 0, 0, 0, 0, 0, 10);
        Assert.Empty(WebhookHealth.Compute(Registration(), new EndpointHealth(), [old], Options, Now).Warnings);
    }

    [Fact]
    public void Compute_AuthRejected_WarnsOnlyWhenItStartedAfterTheCredentialsChanged()
    {
        var r = Registration();
        r.CredentialsChangedAt = Now.AddMinutes(-10);
        var after = new EndpointHealth { ConsecutiveFailedDeliveries = 1, AuthRejectedSince = Now.AddMinutes(-5) };
        Assert.Equal(WebhookHealth.AuthRejectedAfterChange, Assert.Single(WebhookHealth.Compute(r, after, [], Options, Now).Warnings).Code);
        var before = new EndpointHealth { ConsecutiveFailedDeliveries = 1, AuthRejectedSince = Now.AddMinutes(-20) };
        Assert.Empty(WebhookHealth.Compute(r, before, [], Options, Now).Warnings);
        r.CredentialsChangedAt = null;
        Assert.Empty(WebhookHealth.Compute(r, after, [], Options, Now).Warnings);
    }
}
