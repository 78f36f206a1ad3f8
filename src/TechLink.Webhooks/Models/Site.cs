namespace TechLink.Webhooks;

/// <summary>A job site (API "Get Site Details"; the <c>data</c> of site events).</summary>
/// <param name="SiteId">Id, a string of digits.</param>
/// <param name="CompanyId">Owning company id.</param>
/// <param name="Name">Site name.</param>
/// <param name="SiteNumber">The client's own number for the site.</param>
/// <param name="Address1">First address line.</param>
/// <param name="Address2">Second address line.</param>
/// <param name="City">City.</param>
/// <param name="State">State or region.</param>
/// <param name="PostalCode">Postal code.</param>
/// <param name="Country">Country.</param>
/// <param name="Phone">Site phone.</param>
/// <param name="ContactName">On-site contact.</param>
/// <param name="Timezone">IANA time zone name, e.g. <c>America/Los_Angeles</c>; site-local times in events use it.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
/// <param name="UpdatedAt">Last change instant (UTC).</param>
public sealed record Site(
    string SiteId,
    string? CompanyId,
    string? Name,
    string? SiteNumber,
    string? Address1,
    string? Address2,
    string? City,
    string? State,
    string? PostalCode,
    string? Country,
    string? Phone,
    string? ContactName,
    string? Timezone,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt)
{
    /// <summary>The site's time zone, or <see langword="null"/> when <see cref="Timezone"/> is missing or unknown on this machine.</summary>
    public TimeZoneInfo? FindTimeZone() =>
        Timezone is { Length: > 0 } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var tz) ? tz : null;
}
