using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Audit;

/// <summary><c>GET /api/v1/audit</c>: who did what and when, newest first (<see cref="AuditService"/>).</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ListAsync).WithTags("Audit")
            .WithSummary("Who did what and when, newest first")
            .WithDescription("Registrations, secrets (reveal, rotate), API keys, users, sites and companies. Staff see every company (or one, with 'company_id'); a client sees its own company ('company_id' is ignored).");
        return api;
    }

    private static async Task<Results<Ok<Page<AuditEntryResponse>>, ProblemHttpResult>> ListAsync(string? company_id, string? since, int? limit, string? cursor, HttpContext http, AuditService audit, CancellationToken ct) =>
        (await audit.ListAsync(Caller.From(http.User), company_id, since, limit, cursor, ct)).Map(TypedResults.Ok);
}
