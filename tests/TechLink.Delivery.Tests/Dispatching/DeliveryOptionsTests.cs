using System.ComponentModel.DataAnnotations;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery.Tests.Dispatching;

public sealed class DeliveryOptionsTests
{
    private static List<ValidationResult> Validate(DeliveryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_AreValidAndMatchTheSpec()
    {
        var options = new DeliveryOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RetryDelayMin);
        Assert.Equal(TimeSpan.FromMinutes(2), options.RetryDelayMax);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
    }

    [Fact]
    public void Lease_ShorterThanTimeoutPlusMargin_IsRefused()
    {
        var results = Validate(new DeliveryOptions { Timeout = TimeSpan.FromSeconds(30), Lease = TimeSpan.FromSeconds(40) });

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(DeliveryOptions.Lease)));
    }

    [Fact]
    public void AllowedNetworks_NotCidr_IsRefused()
    {
        Assert.NotEmpty(Validate(new DeliveryOptions { AllowedNetworks = ["127.0.0.0/8", "nonsense"] }));
    }

    [Fact]
    public void NextDelay_IsWithinRangeAndHonoursRetryAfterUpToRetryAfterMax()
    {
        var options = new DeliveryOptions();
        var plain = new AttemptOutcome { StartedAt = DateTime.UtcNow, Duration = TimeSpan.Zero, Failure = FailureKind.HttpStatus, RequestHeaders = "{}" };
        for (var i = 0; i < 200; i++)
        {
            var delay = RetryPolicy.NextDelay(plain, options, Random.Shared);
            Assert.InRange(delay, options.RetryDelayMin, options.RetryDelayMax);
        }

        Assert.Equal(TimeSpan.FromSeconds(200), RetryPolicy.NextDelay(plain with { RetryAfter = TimeSpan.FromSeconds(200) }, options, Random.Shared));
        Assert.Equal(TimeSpan.FromMinutes(10), RetryPolicy.NextDelay(plain with { RetryAfter = TimeSpan.FromHours(1) }, options, Random.Shared));
        var shortMax = new DeliveryOptions { RetryAfterMax = TimeSpan.FromMinutes(5) };
        Assert.Equal(TimeSpan.FromMinutes(5), RetryPolicy.NextDelay(plain with { RetryAfter = TimeSpan.FromMinutes(7) }, shortMax, Random.Shared));
    }
}
