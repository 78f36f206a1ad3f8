using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Sites;

/// <summary>The <c>/sites</c> routes: each maps a <see cref="SiteService"/> outcome to its HTTP answer.</summary>
public static class SiteEndpoints
{
    public static RouteGroupBuilder MapSites(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/sites").WithTags("Sites");
        group.MapGet("/", ListAsync);
        group.MapGet("/{site_id}", GetAsync).WithSummary("Get Site Details");
        group.MapPost("/", CreateAsync).RequiresFields("name", "timezone");
        group.MapPatch("/{site_id}", UpdateAsync).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<Page<SiteResponse>>, ProblemHttpResult>> ListAsync(string? company_id, int? limit, string? cursor, HttpContext http, SiteService sites, CancellationToken ct) =>
        (await sites.ListAsync(Caller.From(http.User), company_id, limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<SiteResponse>, ProblemHttpResult>> GetAsync(string site_id, HttpContext http, SiteService sites, CancellationToken ct) =>
        (await sites.GetAsync(Caller.From(http.User), site_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<SiteResponse>, ProblemHttpResult>> CreateAsync(SiteRequest request, HttpContext http, SiteService sites, CancellationToken ct) =>
        (await sites.CreateAsync(Caller.From(http.User), request, ct)).Map(site => TypedResults.Created($"/api/v1/sites/{site.SiteId}", site));

    private static async Task<Results<Ok<SiteResponse>, ProblemHttpResult>> UpdateAsync(string site_id, SiteRequest request, HttpContext http, SiteService sites, CancellationToken ct) =>
        (await sites.UpdateAsync(Caller.From(http.User), site_id, request, ct)).Map(TypedResults.Ok);
}
