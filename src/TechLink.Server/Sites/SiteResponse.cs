using TechLink.Server.Infrastructure;

namespace TechLink.Server.Sites;

/// <summary>The site object of "Get Site Details", and the <c>data</c> of site events.</summary>
public sealed record SiteResponse(
    string SiteId, string CompanyId, string Name, string SiteNumber, string Address1, string Address2, string City, string State,
    string PostalCode, string Country, string Phone, string ContactName, string Timezone, string CreatedAt, string UpdatedAt)
{
    public static SiteResponse From(Site s) => new(
        Formats.Id(s.Id), Formats.Id(s.CompanyId), s.Name, s.SiteNumber, s.Address1, s.Address2, s.City, s.State, s.PostalCode,
        s.Country, s.Phone, s.ContactName, s.TimeZone, Formats.Instant(s.CreatedAt), Formats.Instant(s.UpdatedAt));
}

public sealed record SiteRequest(
    string? CompanyId, string? Name, string? SiteNumber, string? Address1, string? Address2, string? City, string? State,
    string? PostalCode, string? Country, string? Phone, string? ContactName, string? Timezone);
