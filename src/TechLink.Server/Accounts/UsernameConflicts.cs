using Microsoft.Extensions.Options;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Accounts;

/// <summary>
/// Usernames are the login, so they are unique across the platform and a taken one must be refused. That refusal is
/// an oracle for "this name exists somewhere"; it is kept neutral (never whose, never echoed) and it is rationed: a
/// client company meets at most <see cref="AccountOptions.UsernameConflictsPerCompany"/> refusals in a window, then every
/// creation of that company waits (a 429 for free names too, or the 429 would tell free from taken). Staff see every
/// account anyway and are not counted.
/// </summary>
public sealed class UsernameConflicts(IOptions<AccountOptions> options, TimeProvider clock)
{
    private readonly FailureWindow _window = new(options.Value.UsernameConflictsPerCompany, options.Value.UsernameConflictWindow, clock);

    /// <summary>Reserves a refusal for a creation by <paramref name="companyId"/>: null when it may go ahead, else how long to wait.</summary>
    public TimeSpan? TryReserve(long companyId) => _window.TryReserve(Key(companyId));

    /// <summary>The name was free: the creation does not count.</summary>
    public void Release(long companyId) => _window.Release(Key(companyId));

    private static string Key(long companyId) => companyId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
