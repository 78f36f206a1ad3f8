using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Companies;

/// <summary>The <c>/companies</c> routes (companies and their API keys): each maps a <see cref="CompanyService"/> or <see cref="ApiKeyService"/> outcome to its HTTP answer.</summary>
public static class CompanyEndpoints
{
    public static RouteGroupBuilder MapCompanies(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/companies").WithTags("Companies");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Staff).RequiresFields("name");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Staff);
        group.MapGet("/{company_id}", GetAsync);
        group.MapPost("/{company_id}/api-keys", CreateKeyAsync).RequireAuthorization(Policies.Staff).RequiresFields("name");
        group.MapGet("/{company_id}/api-keys", ListKeysAsync).RequireAuthorization(Policies.Staff);
        group.MapDelete("/{company_id}/api-keys/{api_key_id}", RevokeKeyAsync).RequireAuthorization(Policies.Staff)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Created<CompanyResponse>, ProblemHttpResult>> CreateAsync(CompanyRequest request, HttpContext http, CompanyService companies, CancellationToken ct) =>
        (await companies.CreateAsync(Caller.From(http.User), request, ct)).Map(c => TypedResults.Created($"/api/v1/companies/{c.CompanyId}", c));

    private static async Task<Results<Ok<Page<CompanyResponse>>, ProblemHttpResult>> ListAsync(int? limit, string? cursor, CompanyService companies, CancellationToken ct) =>
        (await companies.ListAsync(limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<CompanyResponse>, ProblemHttpResult>> GetAsync(string company_id, HttpContext http, CompanyService companies, CancellationToken ct) =>
        (await companies.GetAsync(Caller.From(http.User), company_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<ApiKeyCreatedResponse>, ProblemHttpResult>> CreateKeyAsync(string company_id, ApiKeyRequest request, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        (await keys.CreateAsync(Caller.From(http.User), company_id, request, ct)).Map(k => TypedResults.Created($"/api/v1/companies/{Canonical(company_id)}/api-keys/{k.ApiKeyId}", k));

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ProblemHttpResult>> ListKeysAsync(string company_id, ApiKeyService keys, CancellationToken ct) =>
        (await keys.ListAsync(company_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(string company_id, string api_key_id, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        (await keys.RevokeAsync(Caller.From(http.User), company_id, api_key_id, ct)).Map(_ => TypedResults.NoContent());

    /// <summary>The company id as the API spells it (a path of <c>007</c> names company 7); called once the key was created, so it parses.</summary>
    private static string Canonical(string companyId) => Formats.TryParseId(companyId, out var id) ? Formats.Id(id) : companyId;
}
