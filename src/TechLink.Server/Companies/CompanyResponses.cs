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
