using System.Threading.RateLimiting;
using Ganss.Xss;
using Microsoft.AspNetCore.Antiforgery;

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

        // Notes may hold HTML from any API client: the portal renders them only through this sanitizer.
        services.AddSingleton(_ => new HtmlSanitizer());
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
/// At most 10 login attempts per username and client address in a minute (a fixed window), on top of Identity's
/// lockout after 5 failures: lockout protects the account, this protects the server from a guessing loop.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    public const int PermitLimit = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = PermitLimit, Window = Window, QueueLimit = 0 }));

    /// <summary>Null when the attempt may go ahead, else how long to wait.</summary>
    public TimeSpan? TryAcquire(string userName, string? address)
    {
        using var lease = _limiter.AttemptAcquire($"{userName.Trim().ToUpperInvariant()}|{address}");
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
    }

    public void Dispose() => _limiter.Dispose();
}
