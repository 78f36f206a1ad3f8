using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace TechLink.Server.Infrastructure;

/// <summary>The spec's site-local formats: <c>start</c> "2019-03-27 09:00:00" and <c>time</c> "2019-01-23 01:23:45 PDT".</summary>
internal static class SiteTime
{
    private static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss");

    public static bool IsValidZone(string? zoneId) => zoneId is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) is not null;

    public static string Local(DateTime utc, string zoneId) => LocalPattern.Format(ToZoned(utc, zoneId).LocalDateTime);

    public static string? Local(DateTime? utc, string zoneId) => utc is { } v ? Local(v, zoneId) : null;

    /// <summary>Local time with the zone's abbreviation at that instant (PDT in summer, PST in winter).</summary>
    public static string LocalWithZone(DateTime utc, string zoneId)
    {
        var zoned = ToZoned(utc, zoneId);
        var abbreviation = zoned.GetZoneInterval().Name;
        return string.Create(CultureInfo.InvariantCulture, $"{LocalPattern.Format(zoned.LocalDateTime)} {abbreviation}");
    }

    public static string? LocalWithZone(DateTime? utc, string zoneId) => utc is { } v ? LocalWithZone(v, zoneId) : null;

    /// <summary>Parses a site-local "YYYY-MM-DD HH:MM:SS"; in a DST gap the time moves forward, in an overlap the earlier instant wins.</summary>
    public static bool TryParseLocal(string? text, string zoneId, out DateTime utc)
    {
        utc = default;
        if (text is null) return false;
        var result = LocalPattern.Parse(text);
        if (!result.Success) return false;
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        utc = zone.AtLeniently(result.Value).ToDateTimeUtc();
        return true;
    }

    private static ZonedDateTime ToZoned(DateTime utc, string zoneId) =>
        Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(DateTimeZoneProviders.Tzdb[zoneId]);
}
