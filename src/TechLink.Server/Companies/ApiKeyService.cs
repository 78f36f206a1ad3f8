using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Companies;

/// <summary>
/// A company's API keys (staff only, by the routes' policy): create, list, revoke. Each change writes its audit entry
/// with it; a revocation makes this node forget every cached key (<see cref="ApiKeyCache"/>) once it has committed.
/// </summary>
internal sealed class ApiKeyService(TechLinkDbContext db, ApiKeyCache keys, TimeProvider clock)
{
    /// <summary>A new key for the company; the answer holds the key itself, which is never shown again (only its hash is kept).</summary>
    public async Task<Outcome<ApiKeyCreatedResponse>> CreateAsync(Caller caller, string companyId, ApiKeyRequest request, CancellationToken ct)
    {
        if (!Formats.TryParseId(companyId, out var id) || !await db.Companies.AnyAsync(c => c.Id == id, ct)) return Refusal.NotFound("company");
        var v = new Validator();
        var name = v.Text("name", request.Name, 200, required: true);
        if (v.Failed) return v.Refusal();
        var (apiKey, key) = NewKey(id, name!, Formats.Now(clock));
        return await db.CommitOnSuccessAsync<ApiKeyCreatedResponse>(async () =>
        {
            db.ApiKeys.Add(apiKey);
            await db.SaveChangesAsync(ct);
            AuditLog.Add(db, caller.Principal, apiKey.CreatedAt, "api_key.created", "api_key", apiKey.Id, id,
                AuditChanges.Between(new ApiKeyRequest(null), new ApiKeyRequest(apiKey.Name)));
            return new ApiKeyCreatedResponse(Formats.Id(apiKey.Id), key, apiKey.Name, apiKey.Prefix, Formats.Instant(apiKey.CreatedAt));
        }, ct);
    }

    /// <summary>A new key (the row to store, and the key to hand out once).</summary>
    internal static (ApiKey Row, string Key) NewKey(long? companyId, string name, DateTime now)
    {
        var key = ApiKey.NewKey();
        return (new ApiKey { CompanyId = companyId, Name = name, Prefix = ApiKey.PrefixOf(key), Hash = ApiKey.HashOf(key), CreatedAt = now }, key);
    }

    public async Task<Outcome<Page<ApiKeyResponse>>> ListAsync(string companyId, CancellationToken ct)
    {
        if (!Formats.TryParseId(companyId, out var id) || !await db.Companies.AnyAsync(c => c.Id == id, ct)) return Refusal.NotFound("company");
        var rows = await db.ApiKeys.AsNoTracking().Where(k => k.CompanyId == id).OrderBy(k => k.Id).ToListAsync(ct);
        return new Page<ApiKeyResponse>([.. rows.Select(ApiKeyResponse.From)], null);
    }

    /// <summary>Revokes the key (again: nothing changes) and answers it; this node forgets every cached key after the commit.</summary>
    public async Task<Outcome<ApiKeyResponse>> RevokeAsync(Caller caller, string companyId, string apiKeyId, CancellationToken ct)
    {
        if (!Formats.TryParseId(companyId, out var company) || !Formats.TryParseId(apiKeyId, out var keyId)) return Refusal.NotFound("API key");
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.CompanyId == company, ct);
        if (key is null) return Refusal.NotFound("API key");
        if (key.RevokedAt is null)
        {
            key.RevokedAt = Formats.Now(clock);
            AuditLog.Add(db, caller.Principal, key.RevokedAt.Value, "api_key.revoked", "api_key", key.Id, company);
        }

        await db.SaveChangesAsync(ct);
        // After the commit; a request that read the key before it cannot keep it (ApiKeyCache.Remember checks the generation).
        keys.Forget();
        return ApiKeyResponse.From(key);
    }
}
