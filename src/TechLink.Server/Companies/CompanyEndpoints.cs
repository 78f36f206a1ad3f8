using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Companies;

public sealed record CompanyResponse(string CompanyId, string Name, string CreatedAt, string UpdatedAt)
{
    public static CompanyResponse From(Company c) => new(Formats.Id(c.Id), c.Name, Formats.Instant(c.CreatedAt), Formats.Instant(c.UpdatedAt));
}

public sealed record CompanyRequest(string? Name);

public sealed record ApiKeyRequest(string? Name);

public sealed record ApiKeyCreatedResponse(string ApiKeyId, string Key, string Name, string Prefix, string CreatedAt);

public sealed record ApiKeyResponse(string ApiKeyId, string? CompanyId, string Name, string Prefix, string CreatedAt, string? LastUsedAt, string? RevokedAt)
{
    public static ApiKeyResponse From(ApiKey k) => new(
        Formats.Id(k.Id), Formats.Id(k.CompanyId), k.Name, k.Prefix, Formats.Instant(k.CreatedAt), Formats.Instant(k.LastUsedAt), Formats.Instant(k.RevokedAt));
}

public static class CompanyEndpoints
{
    public static RouteGroupBuilder MapCompanies(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/companies").WithTags("Companies");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Staff).Produces<CompanyResponse>(StatusCodes.Status201Created).RequiresFields("name");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Staff).Produces<Page<CompanyResponse>>();
        group.MapGet("/{company_id}", GetAsync).Produces<CompanyResponse>();
        group.MapPost("/{company_id}/api-keys", CreateKeyAsync).RequireAuthorization(Policies.Staff)
            .Produces<ApiKeyCreatedResponse>(StatusCodes.Status201Created).RequiresFields("name");
        group.MapGet("/{company_id}/api-keys", ListKeysAsync).RequireAuthorization(Policies.Staff).Produces<Page<ApiKeyResponse>>();
        group.MapDelete("/{company_id}/api-keys/{api_key_id}", RevokeKeyAsync).RequireAuthorization(Policies.Staff)
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    internal static async Task<IResult> CreateAsync(CompanyRequest request, HttpContext http, TechLinkDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var v = new Validator();
        var name = v.Text("name", request.Name, 200, required: true);
        if (v.Failed) return v.Problem();
        var now = Formats.Now(clock);
        var company = new Company { Name = name!, CreatedAt = now, UpdatedAt = now };
        return await db.InTransactionAsync<IResult>(async () =>
        {
            db.Companies.Add(company);
            await db.SaveChangesAsync(ct);
            AuditLog.Add(db, http.User, now, "company.created", "company", company.Id, company.Id,
                AuditChanges.Between(new CompanyRequest(null), new CompanyRequest(company.Name)));
            return TypedResults.Created($"/api/v1/companies/{company.Id}", CompanyResponse.From(company));
        }, ct);
    }

    internal static async Task<IResult> ListAsync(int? limit, string? cursor, TechLinkDbContext db, CancellationToken ct)
    {
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var rows = await db.Companies.AsNoTracking().Where(c => c.Id > page.After).OrderBy(c => c.Id).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Build(rows, c => c.Id, CompanyResponse.From));
    }

    internal static async Task<IResult> GetAsync(string company_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!Formats.TryParseId(company_id, out var id) || !caller.CanSee(id)) return Problems.NotFound("company");
        var company = await db.Companies.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return company is null ? Problems.NotFound("company") : TypedResults.Ok(CompanyResponse.From(company));
    }

    internal static async Task<IResult> CreateKeyAsync(string company_id, ApiKeyRequest request, HttpContext http, TechLinkDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (!Formats.TryParseId(company_id, out var id) || !await db.Companies.AnyAsync(c => c.Id == id, ct)) return Problems.NotFound("company");
        var v = new Validator();
        var name = v.Text("name", request.Name, 200, required: true);
        if (v.Failed) return v.Problem();
        var (apiKey, key) = NewKey(id, name!, Formats.Now(clock));
        return await db.InTransactionAsync<IResult>(async () =>
        {
            db.ApiKeys.Add(apiKey);
            await db.SaveChangesAsync(ct);
            AuditLog.Add(db, http.User, apiKey.CreatedAt, "api_key.created", "api_key", apiKey.Id, id,
                AuditChanges.Between(new ApiKeyRequest(null), new ApiKeyRequest(apiKey.Name)));
            return TypedResults.Created($"/api/v1/companies/{id}/api-keys/{apiKey.Id}",
                new ApiKeyCreatedResponse(Formats.Id(apiKey.Id), key, apiKey.Name, apiKey.Prefix, Formats.Instant(apiKey.CreatedAt)));
        }, ct);
    }

    internal static (ApiKey Row, string Key) NewKey(long? companyId, string name, DateTime now)
    {
        var key = ApiKey.NewKey();
        return (new ApiKey { CompanyId = companyId, Name = name, Prefix = ApiKey.PrefixOf(key), Hash = ApiKey.HashOf(key), CreatedAt = now }, key);
    }

    internal static async Task<IResult> ListKeysAsync(string company_id, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(company_id, out var id) || !await db.Companies.AnyAsync(c => c.Id == id, ct)) return Problems.NotFound("company");
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.CompanyId == id).OrderBy(k => k.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<ApiKeyResponse>([.. keys.Select(ApiKeyResponse.From)], null));
    }

    internal static async Task<IResult> RevokeKeyAsync(string company_id, string api_key_id, HttpContext http, TechLinkDbContext db, ApiKeyCache keys, TimeProvider clock, CancellationToken ct)
    {
        if (!Formats.TryParseId(company_id, out var companyId) || !Formats.TryParseId(api_key_id, out var keyId)) return Problems.NotFound("API key");
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.CompanyId == companyId, ct);
        if (key is null) return Problems.NotFound("API key");
        if (key.RevokedAt is null)
        {
            key.RevokedAt = Formats.Now(clock);
            AuditLog.Add(db, http.User, key.RevokedAt.Value, "api_key.revoked", "api_key", key.Id, companyId);
        }

        await db.SaveChangesAsync(ct);
        // After the commit; a request that read the key before it cannot keep it (ApiKeyCache.Remember checks the generation).
        keys.Forget();
        return TypedResults.NoContent();
    }
}
