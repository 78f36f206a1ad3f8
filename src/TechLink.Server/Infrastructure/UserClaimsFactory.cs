using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TechLink.Server.Accounts;

namespace TechLink.Server.Infrastructure;

/// <summary>Portal users carry the same role and company claims as API keys, so one tenancy rule serves both.</summary>
internal sealed class UserClaimsFactory(UserManager<User> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<User>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(User user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(ClaimTypes.Role, user.IsStaff ? Caller.StaffRole : Caller.ClientRole));
        if (!user.IsStaff && user.CompanyId is { } companyId)
        {
            identity.AddClaim(new Claim(Caller.CompanyClaim, companyId.ToString(CultureInfo.InvariantCulture)));
        }

        return identity;
    }
}
