using System.Globalization;
using NodaTime;

namespace TechLink.Webhooks;

/// <summary>
/// A site-local wall-clock time as the specification writes it: <c>"2019-03-27 09:00:00"</c> (scheduled start) or
/// <c>"2019-01-23 01:23:45 PDT"</c> (check-in/out, with the abbreviation of the site's zone). The abbreviation alone
/// does not name a zone (CST is ambiguous), so converting to an instant needs the site's IANA zone.
/// </summary>
/// <param name="LocalTime">The wall-clock time (<see cref="DateTimeKind.Unspecified"/>).</param>
/// <param name="ZoneAbbreviation">The zone abbreviation, e.g. <c>PDT</c>, or null when the text had none.</param>
public readonly record struct SiteLocalTime(DateTime LocalTime, string? ZoneAbbreviation)
{
    private const string Format = "yyyy-MM-dd HH:mm:ss";

    /// <summary>Parses <c>"YYYY-MM-DD HH:MM:SS"</c> optionally followed by a space and a zone abbreviation.</summary>
    public static bool TryParse(string? text, out SiteLocalTime value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        if (trimmed.Length < Format.Length) return false;
        if (!DateTime.TryParseExact(trimmed[..Format.Length], Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return false;
        var rest = trimmed[Format.Length..].Trim();
        if (rest.Length > 0 && (trimmed[Format.Length] != ' ' || rest.Any(char.IsWhiteSpace))) return false;
        value = new SiteLocalTime(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), rest.Length > 0 ? rest : null);
        return true;
    }

    /// <summary>Parses like <see cref="TryParse"/> or throws <see cref="FormatException"/>.</summary>
    public static SiteLocalTime Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a site-local time like \"2019-01-23 01:23:45 PDT\".");

    /// <summary>
    /// The instant this wall-clock time denotes in the site's zone. A time that falls twice at the autumn change is told
    /// apart by its abbreviation (<c>01:30:00 PDT</c> is an hour before <c>01:30:00 PST</c>), as the server wrote it from
    /// the IANA time zone database; without one (or with one the zone does not use then) it gets the standard offset.
    /// A time that falls in the spring gap is moved forward by the gap.
    /// </summary>
    public DateTimeOffset ToDateTimeOffset(TimeZoneInfo siteTimeZone)
    {
        ArgumentNullException.ThrowIfNull(siteTimeZone);
        if (TimeZoneInfo.TryConvertWindowsIdToIanaId(siteTimeZone.Id, out var iana) && Tzdb(iana) is { } windowsZone) return ToDateTimeOffset(windowsZone);
        if (Tzdb(siteTimeZone.Id) is { } zone) return ToDateTimeOffset(zone);
        // A zone the time zone database does not know: the system's rules, without the abbreviation.
        return new DateTimeOffset(LocalTime, siteTimeZone.GetUtcOffset(LocalTime));
    }

    /// <summary>Like <see cref="ToDateTimeOffset(TimeZoneInfo)"/>, for the site's IANA time zone name (its <c>timezone</c> field).</summary>
    /// <exception cref="ArgumentException">The name is not a zone of the IANA time zone database.</exception>
    public DateTimeOffset ToDateTimeOffset(string ianaTimeZone)
    {
        ArgumentNullException.ThrowIfNull(ianaTimeZone);
        return ToDateTimeOffset(Tzdb(ianaTimeZone) ?? throw new ArgumentException($"'{ianaTimeZone}' is not an IANA time zone name.", nameof(ianaTimeZone)));
    }

    private DateTimeOffset ToDateTimeOffset(DateTimeZone zone)
    {
        var mapping = zone.MapLocal(LocalDateTime.FromDateTime(LocalTime));
        var zoned = mapping.Count switch
        {
            0 => zone.AtLeniently(mapping.LocalDateTime),
            1 => mapping.Single(),
            _ => ZoneAbbreviation is { } abbreviation && mapping.First().GetZoneInterval().Name == abbreviation ? mapping.First() : mapping.Last(),
        };
        return zoned.ToDateTimeOffset();
    }

    private static DateTimeZone? Tzdb(string id) => DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);

    /// <inheritdoc />
    public override string ToString() =>
        LocalTime.ToString(Format, CultureInfo.InvariantCulture) + (ZoneAbbreviation is null ? "" : " " + ZoneAbbreviation);
}
