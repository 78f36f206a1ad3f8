using System.Globalization;
using System.Security.Claims;

namespace TechLink.Server.Infrastructure;

/// <summary>Who is calling: a staff operator (every company) or a client of exactly one company.</summary>
public sealed record Caller(bool IsStaff, long? CompanyId, string Name)
{
    public const string CompanyClaim = "techlink:company_id";
    public const string StaffRole = "staff";
    public const string ClientRole = "client";

    public static Caller From(ClaimsPrincipal principal)
    {
        var isStaff = principal.IsInRole(StaffRole);
        var company = principal.FindFirst(CompanyClaim)?.Value;
        long? companyId = long.TryParse(company, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        return new Caller(isStaff, isStaff ? null : companyId, principal.Identity?.Name ?? "unknown") { Principal = principal };
    }

    /// <summary>Who the audit log names for this caller's actions.</summary>
    public ClaimsPrincipal? Principal { get; init; }

    /// <summary>Whether this caller may see data of <paramref name="companyId"/>. Anything else answers 404, as if missing.</summary>
    public bool CanSee(long companyId) => IsStaff || CompanyId == companyId;
}
