using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>What the layout shows on every page: the environment and, for staff, the company switcher.</summary>
public sealed class PortalShell(IOptions<TechLinkOptions> options, TechLinkDbContext db)
{
    public const string SandboxAddress = "https://sandbox.techlinksvc.net/";
    public const string ProductionAddress = "https://portal.techlinksvc.net/";

    public bool IsSandbox => options.Value.Environment == TechLinkEnvironment.Sandbox;

    public string EnvironmentName => options.Value.Environment.ToString();

    public string BaseAddress => options.Value.PublicBaseUrl is { Length: > 0 } configured
        ? configured
        : IsSandbox ? SandboxAddress : ProductionAddress;

    public Task<List<Company>> CompaniesAsync(CancellationToken ct) => db.Companies.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct);
}
