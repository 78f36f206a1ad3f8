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

    /// <summary>
    /// The years a site-local time may name. A year of margin on either side of what <see cref="DateTime"/> holds keeps
    /// the instant, and its local time in any zone (offsets stay under a day), representable: "9999-12-31 23:59:59" in
    /// Los Angeles or "0001-01-01 00:00:00" in Berlin would fall outside it once converted to UTC.
    /// </summary>
    public const int FirstYear = 2;

    public const int LastYear = 9998;

    /// <summary>
    /// Parses the site-local "YYYY-MM-DD HH:MM:SS" in <paramref name="field"/>; in a DST gap the time moves forward, in an
    /// overlap the earlier instant wins. Answers null, or what is wrong with the value (the field's error message).
    /// </summary>
    public static string? ParseLocal(string field, string? text, string zoneId, out DateTime utc)
    {
        utc = default;
        var result = text is null ? null : LocalPattern.Parse(text);
        if (result is not { Success: true }) return $"'{field}' must be the site-local time \"YYYY-MM-DD HH:MM:SS\".";
        if (result.Value.Year is < FirstYear or > LastYear)
        {
            return string.Create(CultureInfo.InvariantCulture, $"'{field}' must fall in the years {FirstYear:D4} to {LastYear:D4}.");
        }

        utc = DateTimeZoneProviders.Tzdb[zoneId].AtLeniently(result.Value).ToDateTimeUtc();
        return null;
    }

    private static ZonedDateTime ToZoned(DateTime utc, string zoneId) =>
        Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(DateTimeZoneProviders.Tzdb[zoneId]);
}
