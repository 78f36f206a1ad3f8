using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Companies;

/// <summary>
/// The client companies, for the API and the portal alike: each action validates, changes the row and writes its audit
/// entry in one transaction, and answers the value or a <see cref="Refusal"/> (then nothing stays). Who may call what
/// (staff only, except reading one's own company) is the routes' authorization policy; API keys are <see cref="ApiKeyService"/>'s.
/// </summary>
public sealed class CompanyService(TechLinkDbContext db, TimeProvider clock)
{
    public async Task<Outcome<CompanyResponse>> CreateAsync(Caller caller, CompanyRequest request, CancellationToken ct)
    {
        var v = new Validator();
        var name = v.Text("name", request.Name, 200, required: true);
        if (v.Failed) return v.Refusal();
        var now = Formats.Now(clock);
        var company = new Company { Name = name!, CreatedAt = now, UpdatedAt = now };
        return await db.CommitOnSuccessAsync<CompanyResponse>(async () =>
        {
            db.Companies.Add(company);
            await db.SaveChangesAsync(ct);
            AuditLog.Add(db, caller.Principal, now, "company.created", "company", company.Id, company.Id,
                AuditChanges.Between(new CompanyRequest(null), new CompanyRequest(company.Name)));
            return CompanyResponse.From(company);
        }, ct);
    }

    public async Task<Outcome<Page<CompanyResponse>>> ListAsync(int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var rows = await db.Companies.AsNoTracking().Where(c => c.Id > page.After).OrderBy(c => c.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, c => c.Id, CompanyResponse.From);
    }

    public async Task<Outcome<CompanyResponse>> GetAsync(Caller caller, string companyId, CancellationToken ct)
    {
        if (!Formats.TryParseId(companyId, out var id)) return Refusal.NotFound("company");
        var company = await db.Companies.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return company is null ? Refusal.NotFound("company") : CompanyResponse.From(company);
    }
}
