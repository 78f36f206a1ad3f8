using TechLink.Server.Portal.Companies;

namespace TechLink.Portal.Tests;

/// <summary>The delivery log's CSV cells: quoted, quotes doubled, and formula injection defused (issue 15).</summary>
public sealed class DeliveriesCsvTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData(null, "\"\"")]
    [InlineData("say \"hi\", then go", "\"say \"\"hi\"\", then go\"")]
    [InlineData("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-2+3", "\"'-2+3\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tTAB", "\"'\tTAB\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("a=b", "\"a=b\"")]
    public void Cell_QuotesEscapesAndDefusesFormulas(string? value, string expected) =>
        Assert.Equal(expected, DeliveriesCsv.Cell(value));

    [Fact]
    public void Row_EndsWithCrLf_AndKeepsItsColumnCount()
    {
        var csv = new System.Text.StringBuilder();
        DeliveriesCsv.AppendRow(csv, DeliveriesCsv.Header);
        Assert.EndsWith("\r\n", csv.ToString(), StringComparison.Ordinal);
        Assert.Equal(DeliveriesCsv.Header.Length, csv.ToString().TrimEnd().Split(',').Length);
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(42, "42 s ago")]
    [InlineData(150, "2 min ago")]
    [InlineData(3 * 3600 + 5, "3 h ago")]
    [InlineData(-40, "in 40 s")]
    public void Relative_SaysHowLongAgo(int secondsAgo, string expected)
    {
        var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(expected, DeliveriesFormat.Relative(now.AddSeconds(-secondsAgo), now));
    }

    [Fact]
    public void Pretty_KeepsAPlusAsItWasSent()
    {
        var shown = DeliveriesFormat.HeaderLines("{\"webhook-signature\":\"v1,ab\\u002Bcd/ef=\"}");
        Assert.Equal("webhook-signature: v1,ab+cd/ef=", shown);
        Assert.Contains("ab+cd", DeliveriesFormat.Pretty("{\"s\":\"ab\\u002Bcd\"}"), StringComparison.Ordinal);
    }
}
