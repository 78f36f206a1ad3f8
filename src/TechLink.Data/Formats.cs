using System.Globalization;

namespace TechLink.Data;

/// <summary>The wire formats the contract fixes, in one place.</summary>
internal static class Formats
{
    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    public static string? Id(long? id) => id?.ToString(CultureInfo.InvariantCulture);

    public static string Instant(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string? Instant(DateTime? utc) => utc is { } v ? Instant(v) : null;

    public static bool TryParseId(string? text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    public static bool TryParseInstant(string? text, out DateTime utc)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            utc = dto.UtcDateTime;
            return true;
        }

        utc = default;
        return false;
    }

    /// <summary>Truncates to whole seconds, the precision we hand out, so that what we store equals what we show.</summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
