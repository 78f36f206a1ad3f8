using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Audit;

/// <summary>Reads the audit trail, for the API and the portal's Activity tab alike (entries are written by <see cref="AuditLog"/>).</summary>
public sealed class AuditService(TechLinkDbContext db)
{
    /// <summary>
    /// Newest first. A client always sees its own company: its <paramref name="companyId"/> is ignored, as on every other
    /// list (a company id is never taken from a client's request). Entries without a company (TechLink-wide actions) are
    /// staff's only. The cursor walks backwards over ids.
    /// </summary>
    public async Task<Outcome<Page<AuditEntryResponse>>> ListAsync(Caller caller, string? companyId, string? since, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var v = new Validator();
        var query = db.AuditEntries.AsNoTracking();
        if (page.After > 0) query = query.Where(a => a.Id < page.After);
        if (caller.IsStaff && companyId is not null)
        {
            var c = v.Id("company_id", companyId);
            query = query.Where(a => a.CompanyId == c);
        }
        if (since is not null)
        {
            if (!Formats.TryParseInstant(since, out var from)) v.Add("since", "'since' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
            query = query.Where(a => a.At >= from);
        }

        if (v.Failed) return v.Refusal();
        var rows = await query.OrderByDescending(a => a.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, a => a.Id, AuditEntryResponse.From);
    }
}
