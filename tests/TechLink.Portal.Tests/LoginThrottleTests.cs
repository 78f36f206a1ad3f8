using TechLink.Server.Portal;

namespace TechLink.Portal.Tests;

public sealed class LoginThrottleTests
{
    [Fact]
    public void TryAcquire_BeyondTheLimitForOneUserAndAddress_AsksToWait()
    {
        using var throttle = new LoginThrottle();
        for (var i = 0; i < LoginThrottle.PermitLimit; i++) Assert.Null(throttle.TryAcquire("Ada", "10.0.0.1"));

        var wait = throttle.TryAcquire("ada ", "10.0.0.1");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), LoginThrottle.Window);
        // Another user from the same address, or the same user elsewhere, is not held back.
        Assert.Null(throttle.TryAcquire("bob", "10.0.0.1"));
        Assert.Null(throttle.TryAcquire("ada", "10.0.0.2"));
    }
}
