using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Audit;

/// <summary>One audit entry as the API answers it; <c>changes</c> is an object of <c>{"from", "to"}</c> per field, or null.</summary>
public sealed record AuditEntryResponse(string AuditId, string At, string? CompanyId, string Actor, string Action, string TargetType, string TargetId, JsonElement? Changes)
{
    public static AuditEntryResponse From(AuditEntry a) => new(
        Formats.Id(a.Id), Formats.Instant(a.At), Formats.Id(a.CompanyId), a.Actor, a.Action, a.TargetType, a.TargetId,
        a.Changes is null ? null : JsonDocument.Parse(a.Changes).RootElement.Clone());
}

/// <summary><c>GET /api/v1/audit</c>: who did what and when, newest first.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ListAsync).WithTags("Audit").Produces<Page<AuditEntryResponse>>()
            .WithSummary("Who did what and when, newest first")
            .WithDescription("Registrations, secrets (reveal, rotate), API keys, users, sites and companies. Staff see every company (or one, with 'company_id'); a client sees its own company ('company_id' is ignored).");
        return api;
    }

    /// <summary>
    /// A client always sees its own company: its <c>company_id</c> is ignored, as on every other list (a company id is
    /// never taken from a client's request). Entries without a company (TechLink-wide actions) are staff's only. The
    /// cursor walks backwards over ids.
    /// </summary>
    internal static async Task<IResult> ListAsync(string? company_id, string? since, int? limit, string? cursor, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var v = new Validator();
        var query = db.AuditEntries.AsNoTracking();
        if (page.After > 0) query = query.Where(a => a.Id < page.After);
        if (!caller.IsStaff) query = query.Where(a => a.CompanyId == caller.CompanyId);
        else if (company_id is not null)
        {
            var c = v.Id("company_id", company_id);
            query = query.Where(a => a.CompanyId == c);
        }
        if (since is not null)
        {
            if (!Formats.TryParseInstant(since, out var from)) v.Add("since", "'since' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
            query = query.Where(a => a.At >= from);
        }

        if (v.Failed) return v.Problem();
        var rows = await query.OrderByDescending(a => a.Id).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Build(rows, a => a.Id, AuditEntryResponse.From));
    }
}
