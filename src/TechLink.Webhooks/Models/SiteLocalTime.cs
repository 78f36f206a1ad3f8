using System.Globalization;

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

    /// <summary>The instant this wall-clock time denotes in the site's zone (a time that falls twice in the autumn gets the standard offset).</summary>
    public DateTimeOffset ToDateTimeOffset(TimeZoneInfo siteTimeZone)
    {
        ArgumentNullException.ThrowIfNull(siteTimeZone);
        return new DateTimeOffset(LocalTime, siteTimeZone.GetUtcOffset(LocalTime));
    }

    /// <inheritdoc />
    public override string ToString() =>
        LocalTime.ToString(Format, CultureInfo.InvariantCulture) + (ZoneAbbreviation is null ? "" : " " + ZoneAbbreviation);
}
