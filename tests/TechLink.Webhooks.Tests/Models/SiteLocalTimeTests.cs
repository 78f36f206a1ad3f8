namespace TechLink.Webhooks.Tests.Models;

/// <summary>Site-local times back to instants, including the hour that happens twice at the autumn change.</summary>
public sealed class SiteLocalTimeTests
{
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Theory]
    [InlineData("2026-11-01 01:30:00 PDT", "2026-11-01T08:30:00Z")] // the first 01:30, still daylight time
    [InlineData("2026-11-01 01:30:00 PST", "2026-11-01T09:30:00Z")] // an hour later, standard time
    [InlineData("2026-07-01 09:00:00 PDT", "2026-07-01T16:00:00Z")]
    [InlineData("2026-01-23 01:23:45 PST", "2026-01-23T09:23:45Z")]
    public void ToDateTimeOffset_LosAngeles_AbbreviationPicksTheInstant(string text, string expectedUtc)
    {
        var instant = SiteLocalTime.Parse(text).ToDateTimeOffset(LosAngeles);

        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), instant);
    }

    [Theory]
    [InlineData("2026-10-25 02:30:00 CEST", "2026-10-25T00:30:00Z")]
    [InlineData("2026-10-25 02:30:00 CET", "2026-10-25T01:30:00Z")]
    public void ToDateTimeOffset_Berlin_AbbreviationPicksTheInstant(string text, string expectedUtc)
    {
        var instant = SiteLocalTime.Parse(text).ToDateTimeOffset(Berlin);

        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), instant);
    }

    [Fact]
    public void ToDateTimeOffset_RepeatedHourWithoutAbbreviation_StandardOffset()
    {
        var instant = SiteLocalTime.Parse("2026-11-01 01:30:00").ToDateTimeOffset(LosAngeles);

        Assert.Equal(TimeSpan.FromHours(-8), instant.Offset);
    }

    [Fact]
    public void ToDateTimeOffset_IanaId_SameAsTimeZoneInfo()
    {
        var time = SiteLocalTime.Parse("2026-11-01 01:30:00 PDT");

        Assert.Equal(time.ToDateTimeOffset(LosAngeles), time.ToDateTimeOffset("America/Los_Angeles"));
    }
}
