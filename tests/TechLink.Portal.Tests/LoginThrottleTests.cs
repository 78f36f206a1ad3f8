using Microsoft.Extensions.Options;
using TechLink.Server.Portal;

namespace TechLink.Portal.Tests;

public sealed class LoginThrottleTests
{
    private static LoginThrottle Throttle(int perUser, int perAddress) =>
        new(Options.Create(new PortalOptions { LoginAttemptsPerUser = perUser, LoginAttemptsPerAddress = perAddress, LoginWindow = TimeSpan.FromMinutes(1) }));

    [Fact]
    public void TryAcquire_BeyondTheLimitForOneUserAndAddress_AsksToWait()
    {
        using var throttle = Throttle(perUser: 10, perAddress: 100);
        for (var i = 0; i < 10; i++) Assert.Null(throttle.TryAcquire("Ada", "10.0.0.1"));

        var wait = throttle.TryAcquire("ada ", "10.0.0.1");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        // Another user from the same address, or the same user elsewhere, is not held back by the user's limit.
        Assert.Null(throttle.TryAcquire("bob", "10.0.0.1"));
        Assert.Null(throttle.TryAcquire("ada", "10.0.0.2"));
    }

    [Fact]
    public void TryAcquire_ManyUsersFromOneAddress_AreHeldBackAtTheAddressLimit()
    {
        using var throttle = Throttle(perUser: 3, perAddress: 7);
        var allowed = 0;
        for (var i = 0; i < 20 && throttle.TryAcquire($"user{i % 10}", "10.0.0.9") is null; i++) allowed++;

        Assert.Equal(7, allowed);
        Assert.NotNull(throttle.TryAcquire("someone.else", "10.0.0.9"));
        Assert.Null(throttle.TryAcquire("someone.else", "10.0.0.10"));
    }

    [Fact]
    public void TryAcquire_RefusedForTheUser_DoesNotUseUpTheAddressAllowance()
    {
        using var throttle = Throttle(perUser: 2, perAddress: 5);
        for (var i = 0; i < 10; i++) throttle.TryAcquire("mallory", "10.0.0.3");

        // Two of mallory's attempts counted for the address; three remain for the others behind it.
        for (var i = 0; i < 3; i++) Assert.Null(throttle.TryAcquire($"colleague{i}", "10.0.0.3"));
        Assert.NotNull(throttle.TryAcquire("colleague9", "10.0.0.3"));
    }
}
