using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Companies;
using TechLink.Server.Data;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>. Keys are looked up by hash (valid ones kept briefly in
/// <see cref="ApiKeyCache"/>); revoked keys fail.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TechLinkDbContext db,
    ApiKeyCache cache,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 200)
        {
            return AuthenticateResult.Fail("malformed API key");
        }

        var hash = ApiKey.HashOf(key);
        var apiKey = cache.Find(hash);
        if (apiKey is null)
        {
            var generation = cache.Generation;
            var row = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedAt == null, Context.RequestAborted);
            if (row is null)
            {
                return AuthenticateResult.Fail("unknown or revoked API key");
            }

            apiKey = cache.Remember(row, generation);
        }

        await TouchAsync(apiKey);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, "apikey:" + apiKey.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, "api key " + apiKey.Name),
            new(ClaimTypes.Role, apiKey.IsStaff ? Caller.StaffRole : Caller.ClientRole),
        };
        if (apiKey.CompanyId is { } companyId)
        {
            claims.Add(new Claim(Caller.CompanyClaim, companyId.ToString(CultureInfo.InvariantCulture)));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>Records last use at most once a minute per key, so reads do not turn into writes.</summary>
    private async Task TouchAsync(CachedApiKey apiKey)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (apiKey.LastUsedAt is { } last && now - last < TimeSpan.FromMinutes(1))
        {
            return;
        }

        apiKey.LastUsedAt = now;
        await db.ApiKeys.Where(k => k.Id == apiKey.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Send a valid API key as 'Authorization: Bearer <key>'.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: "This operation is reserved for TechLink staff.").ExecuteAsync(Context);
    }
}
