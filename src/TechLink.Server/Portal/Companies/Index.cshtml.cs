using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Companies;

/// <summary>Staff only: every client company, the switcher's target, and a new company.</summary>
public sealed class IndexModel(TechLinkDbContext db, CompanyService companies) : PageModel
{
    public List<Company> Companies { get; private set; } = [];

    public FormErrors Errors { get; } = new();

    public async Task<IActionResult> OnGetAsync(string? go, CancellationToken ct)
    {
        var caller = Caller.From(User);
        if (!caller.IsStaff) return caller.CompanyId is { } own ? Redirect($"/companies/{own}") : NotFound();
        if (Formats.TryParseId(go, out var id)) return Redirect($"/companies/{id}");
        Companies = await db.Companies.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? name, CancellationToken ct)
    {
        if (!Caller.From(User).IsStaff) return NotFound();
        var outcome = await companies.CreateAsync(Caller.From(User), new CompanyRequest(name), ct);
        if (outcome.Succeeded)
        {
            var created = outcome.Value;
            TempData["Flash"] = $"Company '{created.Name}' created.";
            return Redirect($"/companies/{created.CompanyId}");
        }

        Errors.Add(outcome.Refusal!);
        Companies = await db.Companies.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct);
        return Page();
    }
}
