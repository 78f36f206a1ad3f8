using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace TechLink.Server.Portal;

/// <summary>The portal: server-rendered Razor Pages under <c>Portal/</c>, cookie login, one small stylesheet.</summary>
internal static class PortalSetup
{
    public static IServiceCollection AddTechLinkPortal(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Portal";
            // Every page but the login form needs a signed-in user; the cookie scheme sends others to /login.
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/Account/Login");
        });
        services.Configure<AntiforgeryOptions>(o =>
        {
            o.Cookie.Name = "techlink.af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__RequestVerificationToken";
        });

        // Notes may hold HTML from any API client: the portal renders them only through this policy.
        services.AddSingleton<NoteHtml>();
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<PortalShell>();
        return services;
    }

    public static WebApplication MapTechLinkPortal(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}

/// <summary>
/// Login attempts are counted twice in a fixed window: per username and client address (a guessing loop against one
/// account), and per client address (one address trying many accounts). This is on top of Identity's lockout after
/// 5 failures, which protects an account from every address; the throttle protects the server from the loop.
/// The address is the connection's: forwarded headers are not trusted unless the host is configured for them.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perUser;
    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly TimeSpan _window;

    public LoginThrottle(IOptions<PortalOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _window = o.LoginWindow;
        _perUser = Limiter(o.LoginAttemptsPerUser, o.LoginWindow);
        _perAddress = Limiter(o.LoginAttemptsPerAddress, o.LoginWindow);
    }

    /// <summary>Null when the attempt may go ahead, else how long to wait (the answer's Retry-After).</summary>
    public TimeSpan? TryAcquire(string userName, string? address)
    {
        ArgumentNullException.ThrowIfNull(userName);
        // The account's own limit first: a loop against one account, once held back, no longer uses up the
        // address's allowance, so the other people behind the same address can still log in.
        using var user = _perUser.AttemptAcquire($"{userName.Trim().ToUpperInvariant()}|{address}");
        if (!user.IsAcquired) return RetryAfter(user);
        using var perAddress = _perAddress.AttemptAcquire(address ?? "");
        return perAddress.IsAcquired ? null : RetryAfter(perAddress);
    }

    private TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _window;

    private static PartitionedRateLimiter<string> Limiter(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 }));

    public void Dispose()
    {
        _perUser.Dispose();
        _perAddress.Dispose();
    }
}
