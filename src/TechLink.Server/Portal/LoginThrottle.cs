using Microsoft.Extensions.Options;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>
/// Failed login attempts are counted twice in a window: per username and client address (a guessing loop against one
/// account), and per client address (one address trying many accounts). Only failures count: a successful login gives
/// its attempt back, so people who type their password right never wait. Accounts are never locked: a lock that
/// anyone can trigger by guessing is a way to keep the owner (or all staff) out; the throttle slows the guesser at their
/// own address and leaves the right password working from any other at once, and from theirs after Retry-After.
/// The address is the connection's: forwarded headers are not trusted unless the host is configured for them.
/// </summary>
public sealed class LoginThrottle
{
    private readonly FailureWindow _perUser;
    private readonly FailureWindow _perAddress;

    public LoginThrottle(IOptions<PortalOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _perUser = new FailureWindow(o.LoginAttemptsPerUser, o.LoginWindow, clock);
        _perAddress = new FailureWindow(o.LoginAttemptsPerAddress, o.LoginWindow, clock);
    }

    /// <summary>
    /// Reserves a failure for the attempt; null when it may go ahead, else how long to wait (the answer's Retry-After).
    /// Call <see cref="Succeeded"/> when the password was right.
    /// </summary>
    public TimeSpan? TryAcquire(string userName, string? address)
    {
        ArgumentNullException.ThrowIfNull(userName);
        // The account's own limit first: a loop against one account, once held back, no longer uses up the
        // address's allowance, so the other people behind the same address can still log in.
        if (_perUser.TryReserve(UserKey(userName, address)) is { } wait) return wait;
        if (_perAddress.TryReserve(address ?? "") is not { } addressWait) return null;
        _perUser.Release(UserKey(userName, address));
        return addressWait;
    }

    /// <summary>The attempt reserved by <see cref="TryAcquire"/> signed in: it does not count.</summary>
    public void Succeeded(string userName, string? address)
    {
        ArgumentNullException.ThrowIfNull(userName);
        _perUser.Release(UserKey(userName, address));
        _perAddress.Release(address ?? "");
    }

    private static string UserKey(string userName, string? address) => $"{userName.Trim().ToUpperInvariant()}|{address}";
}
