using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TechLink.Server.Accounts;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// Counts the password verifications the server runs, around Identity's real hasher. The cost of a login attempt is
/// dominated by that one PBKDF2 run: an attempt that skips it answers measurably sooner and tells an unknown user apart.
/// Counting it is the deterministic form of "the same timing shape", where a stopwatch on two shared cores is not.
/// </summary>
public sealed class PasswordHasherProbe
{
    private long _verifications;

    public long Verifications => Interlocked.Read(ref _verifications);

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<PasswordHasherProbe>();
        services.RemoveAll<IPasswordHasher<User>>();
        services.AddScoped<IPasswordHasher<User>, CountingHasher>();
    }

    private sealed class CountingHasher(PasswordHasherProbe probe, IOptions<PasswordHasherOptions> options) : IPasswordHasher<User>
    {
        private readonly PasswordHasher<User> _inner = new(options);

        public string HashPassword(User user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref probe._verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
