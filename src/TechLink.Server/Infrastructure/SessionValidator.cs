using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Accounts;
using TechLink.Server.Data;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Checks a portal cookie on every request: its user must still exist, be active and carry the security stamp the
/// cookie was issued with. Deactivation, a password change and logout each change the stamp, so a cookie issued before
/// (or a copy of it) is refused on its next request; an <c>is_active</c> cleared by any other path is refused as well.
/// The check is one primary-key read of two columns. Identity's own validation (reloading the user, rebuilding the
/// claims, re-issuing the cookie: several queries and a Set-Cookie) runs on top of it only after
/// <see cref="SecurityStampValidatorOptions.ValidationInterval"/>, where it serves to refresh claims, not to revoke.
/// </summary>
internal sealed partial class SessionValidator(
    IOptions<SecurityStampValidatorOptions> options,
    SignInManager<User> signIn,
    ILoggerFactory loggers,
    TechLinkDbContext db,
    IOptions<IdentityOptions> identity) : SecurityStampValidator<User>(options, signIn, loggers)
{
    private readonly ILogger _log = loggers.CreateLogger<SessionValidator>();

    public override async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await RefusalAsync(context.Principal, context.HttpContext.RequestAborted) is { } reason)
        {
            LogRefused(_log, context.Principal?.FindFirstValue(identity.Value.ClaimsIdentity.UserIdClaimType) ?? "?", reason);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        await base.ValidateAsync(context);
    }

    protected override async Task<User?> VerifySecurityStamp(ClaimsPrincipal? principal) =>
        await base.VerifySecurityStamp(principal) is { IsActive: true } user ? user : null;

    /// <summary>Null when the session may go on, else why not (for the log).</summary>
    private async Task<string?> RefusalAsync(ClaimsPrincipal? principal, CancellationToken ct)
    {
        var claims = identity.Value.ClaimsIdentity;
        if (!long.TryParse(principal?.FindFirstValue(claims.UserIdClaimType), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return "no user id";
        var stamp = principal!.FindFirstValue(claims.SecurityStampClaimType);
        var row = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => new { u.SecurityStamp, u.IsActive }).FirstOrDefaultAsync(ct);
        return row is null ? "user deleted"
            : !row.IsActive ? "user inactive"
            : stamp is null || !string.Equals(row.SecurityStamp, stamp, StringComparison.Ordinal) ? "security stamp changed"
            : null;
    }

    [LoggerMessage(EventId = LogEventIds.PortalSessionRefused, Level = LogLevel.Information, Message = "Portal session of user {UserId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, string reason);
}
