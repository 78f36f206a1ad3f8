using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.Sites;

/// <summary>
/// The job sites' actions, for the API and the portal alike: each validates, changes the site, writes the audit entry
/// and the webhook event in one transaction, and answers the site or a <see cref="Refusal"/> (then nothing stays).
/// </summary>
public sealed class SiteService(TechLinkDbContext db, EventOutbox outbox, TimeProvider clock)
{
    public async Task<Outcome<Page<SiteResponse>>> ListAsync(Caller caller, string? companyId, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var query = db.Sites.AsNoTracking().Where(s => s.Id > page.After);
        if (caller.IsStaff && companyId is not null)
        {
            if (!Formats.TryParseId(companyId, out var filter)) return Refusal.Validation("company_id", "'company_id' must be an id.");
            query = query.Where(s => s.CompanyId == filter);
        }

        var rows = await query.OrderBy(s => s.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, s => s.Id, SiteResponse.From);
    }

    /// <summary>The site, tracked; null when missing or another company's (the tenancy filter).</summary>
    internal static async Task<Site?> FindAsync(string siteId, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(siteId, out var id)) return null;
        var site = await db.Sites.FirstOrDefaultAsync(s => s.Id == id, ct);
        return site;
    }

    public async Task<Outcome<SiteResponse>> GetAsync(Caller caller, string siteId, CancellationToken ct) =>
        await FindAsync(siteId, db, ct) is { } site ? SiteResponse.From(site) : Refusal.NotFound("site");

    public async Task<Outcome<SiteResponse>> CreateAsync(Caller caller, SiteRequest request, CancellationToken ct)
    {
        var v = new Validator();
        var companyId = caller.IsStaff ? v.Id("company_id", request.CompanyId) : caller.CompanyId!.Value;
        if (request.Timezone is null) v.Add("timezone", "'timezone' is required (an IANA name such as 'America/Los_Angeles').");
        var now = Formats.Now(clock);
        var site = new Site { CompanyId = companyId, Name = "", TimeZone = "UTC", CreatedAt = now, UpdatedAt = now };
        Apply(site, request, v, required: true);
        if (v.Failed) return v.Refusal();
        if (caller.IsStaff && !await db.Companies.AnyAsync(c => c.Id == companyId, ct)) return Refusal.Validation("company_id", "No such company.");

        return await db.CommitOnSuccessAsync<SiteResponse>(async () =>
        {
            db.Sites.Add(site);
            await db.SaveChangesAsync(ct);
            var body = SiteResponse.From(site);
            var blank = SiteResponse.From(new Site { CompanyId = companyId, Name = "", TimeZone = "" });
            AuditLog.Add(db, caller.Principal, now, "site.created", "site", site.Id, companyId, AuditChanges.Between(blank, body).Without("site_id").Without("company_id"));
            await outbox.AddAsync<Events.SiteCreated>(db, companyId, EventSubject.Site(site.Id), body, ct);
            return body;
        }, ct);
    }

    public Task<Outcome<SiteResponse>> UpdateAsync(Caller caller, string siteId, SiteRequest request, CancellationToken ct) =>
        db.ReadModifyWriteAsync<SiteResponse>(async () =>
        {
            var site = await FindAsync(siteId, db, ct);
            if (site is null) return Refusal.NotFound("site");
            var before = SiteResponse.From(site);
            var v = new Validator();
            if (request.CompanyId is not null) v.Add("company_id", "A site cannot move to another company.");
            Apply(site, request, v, required: false);
            if (v.Failed) return v.Refusal();
            site.UpdatedAt = Formats.Now(clock);
            var body = SiteResponse.From(site);
            var changes = AuditChanges.Between(before, body);
            if (!changes.IsEmpty) AuditLog.Add(db, caller.Principal, site.UpdatedAt, "site.updated", "site", site.Id, site.CompanyId, changes);
            await outbox.AddAsync<Events.SiteUpdated>(db, site.CompanyId, EventSubject.Site(site.Id), body, ct);
            return body;
        }, ct);

    /// <summary>Validates and applies the fields given; on create, name and timezone are required.</summary>
    private static void Apply(Site site, SiteRequest r, Validator v, bool required)
    {
        if (v.Text("name", r.Name, 200, required) is { } name)
        {
            if (name.Length == 0) v.Add("name", "'name' may not be empty.");
            site.Name = name;
        }
        if (v.Text("site_number", r.SiteNumber, 50) is { } number) site.SiteNumber = number;
        if (v.Text("address1", r.Address1, 200) is { } a1) site.Address1 = a1;
        if (v.Text("address2", r.Address2, 200) is { } a2) site.Address2 = a2;
        if (v.Text("city", r.City, 100) is { } city) site.City = city;
        if (v.Text("state", r.State, 100) is { } state) site.State = state;
        if (v.Text("postal_code", r.PostalCode, 20) is { } postal) site.PostalCode = postal;
        if (v.Text("country", r.Country, 100) is { } country) site.Country = country;
        if (v.Text("phone", r.Phone, 50) is { } phone) site.Phone = phone;
        if (v.Text("contact_name", r.ContactName, 200) is { } contact) site.ContactName = contact;
        if (r.Timezone is not null)
        {
            if (SiteTime.IsValidZone(r.Timezone)) site.TimeZone = r.Timezone;
            else v.Add("timezone", $"'{Problems.Quote(r.Timezone)}' is not an IANA time zone (e.g. 'America/Los_Angeles').");
        }
    }
}
