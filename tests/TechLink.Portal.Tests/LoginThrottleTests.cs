using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TechLink.Server.Portal;

namespace TechLink.Portal.Tests;

public sealed class LoginThrottleTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private LoginThrottle Throttle(int perUser, int perAddress) =>
        new(Options.Create(new PortalOptions { LoginAttemptsPerUser = perUser, LoginAttemptsPerAddress = perAddress, LoginWindow = Window }), _clock);

    /// <summary>An attempt that fails: it keeps the failure it reserved.</summary>
    private static TimeSpan? Fail(LoginThrottle throttle, string user, string address) => throttle.TryAcquire(user, address);

    [Fact]
    public void TryAcquire_BeyondTheLimitForOneUserAndAddress_AsksToWait_UntilTheWindowEnds()
    {
        var throttle = Throttle(perUser: 10, perAddress: 100);
        for (var i = 0; i < 10; i++) Assert.Null(Fail(throttle, "Ada", "10.0.0.1"));
        _clock.Advance(TimeSpan.FromSeconds(20));

        var wait = throttle.TryAcquire("ada ", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(40), wait);
        // Another user from the same address, or the same user elsewhere, is not held back by the user's limit.
        Assert.Null(throttle.TryAcquire("bob", "10.0.0.1"));
        Assert.Null(throttle.TryAcquire("ada", "10.0.0.2"));

        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(throttle.TryAcquire("ada", "10.0.0.1"));
    }

    [Fact]
    public void TryAcquire_SucceededAttempts_DoNotCount()
    {
        var throttle = Throttle(perUser: 3, perAddress: 5);
        for (var i = 0; i < 50; i++)
        {
            Assert.Null(throttle.TryAcquire("ada", "10.0.0.5"));
            throttle.Succeeded("ada", "10.0.0.5");
        }

        // Failures still count as before, to the limit.
        for (var i = 0; i < 3; i++) Assert.Null(Fail(throttle, "ada", "10.0.0.5"));
        Assert.NotNull(throttle.TryAcquire("ada", "10.0.0.5"));
    }

    [Fact]
    public void TryAcquire_ManyUsersFromOneAddress_AreHeldBackAtTheAddressLimit()
    {
        var throttle = Throttle(perUser: 3, perAddress: 7);
        var allowed = 0;
        for (var i = 0; i < 20 && Fail(throttle, $"user{i % 10}", "10.0.0.9") is null; i++) allowed++;

        Assert.Equal(7, allowed);
        Assert.NotNull(throttle.TryAcquire("someone.else", "10.0.0.9"));
        Assert.Null(throttle.TryAcquire("someone.else", "10.0.0.10"));
    }

    [Fact]
    public void TryAcquire_RefusedForTheUser_DoesNotUseUpTheAddressAllowance()
    {
        var throttle = Throttle(perUser: 2, perAddress: 5);
        for (var i = 0; i < 10; i++) Fail(throttle, "mallory", "10.0.0.3");

        // Two of mallory's attempts counted for the address; three remain for the others behind it.
        for (var i = 0; i < 3; i++) Assert.Null(Fail(throttle, $"colleague{i}", "10.0.0.3"));
        Assert.NotNull(throttle.TryAcquire("colleague9", "10.0.0.3"));
    }
}
