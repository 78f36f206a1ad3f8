using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;

namespace TechLink.Server.Portal.Companies;

public sealed class SiteForm
{
    public string? Name { get; set; }
    public string? SiteNumber { get; set; }
    public string? Address1 { get; set; }
    public string? Address2 { get; set; }
    public string? City { get; set; }
    public string? State { get; set; }
    public string? PostalCode { get; set; }
    public string? Country { get; set; }
    public string? Phone { get; set; }
    public string? ContactName { get; set; }
    public string? Timezone { get; set; }

    public SiteRequest ToRequest(string? companyId) => new(companyId, Name ?? "", SiteNumber ?? "", Address1 ?? "", Address2 ?? "", City ?? "", State ?? "", PostalCode ?? "", Country ?? "", Phone ?? "", ContactName ?? "", string.IsNullOrWhiteSpace(Timezone) ? null : Timezone.Trim());

    public static SiteForm From(SiteResponse s) => new()
    {
        Name = s.Name, SiteNumber = s.SiteNumber, Address1 = s.Address1, Address2 = s.Address2, City = s.City, State = s.State,
        PostalCode = s.PostalCode, Country = s.Country, Phone = s.Phone, ContactName = s.ContactName, Timezone = s.Timezone,
    };
}

/// <summary>The company's job sites; create and edit through <see cref="SiteService"/>, as the API does (the site events).</summary>
public sealed class SitesModel(TechLinkDbContext db, SiteService sites) : CompanyPage(db)
{
    public override string Tab => "sites";

    [BindProperty]
    public SiteForm Form { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Edit { get; set; }

    public IReadOnlyList<SiteResponse> Sites { get; private set; } = [];

    public static readonly (string Field, string Label, string Api)[] Fields =
    [
        (nameof(SiteForm.Name), "Name", "name"), (nameof(SiteForm.SiteNumber), "Site number", "site_number"),
        (nameof(SiteForm.Address1), "Address", "address1"), (nameof(SiteForm.Address2), "Address line 2", "address2"),
        (nameof(SiteForm.City), "City", "city"), (nameof(SiteForm.State), "State", "state"), (nameof(SiteForm.PostalCode), "Postal code", "postal_code"),
        (nameof(SiteForm.Country), "Country", "country"), (nameof(SiteForm.Phone), "Phone", "phone"), (nameof(SiteForm.ContactName), "Contact name", "contact_name"),
        (nameof(SiteForm.Timezone), "Time zone (IANA, e.g. America/Los_Angeles)", "timezone"),
    ];

    public string? Value(string field) => typeof(SiteForm).GetProperty(field)!.GetValue(Form) as string;

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Sites.FirstOrDefault(s => s.SiteId == Edit) is { } editing) Form = SiteForm.From(editing);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        var outcome = await sites.CreateAsync(Caller, Form.ToRequest(Caller.IsStaff ? CompanyKey : null), ct);
        if (Accepted(outcome)) return Done($"Site '{outcome.Value.Name}' created.");
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(string id, CancellationToken ct)
    {
        if (!Formats.TryParseId(id, out var siteId) || !await Db.Sites.AnyAsync(s => s.Id == siteId && s.CompanyId == Company.Id, ct)) return NotFound();
        var outcome = await sites.UpdateAsync(Caller, id, Form.ToRequest(null), ct);
        if (Accepted(outcome)) return Done($"Site '{outcome.Value.Name}' saved.");
        Edit = id;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var list = await sites.ListAsync(Caller, CompanyKey, PageRequest.MaxLimit, null, ct);
        Sites = list.Succeeded ? list.Value.Items : [];
    }
}
