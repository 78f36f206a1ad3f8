using AngleSharp.Html.Parser;
using TechLink.Server.Portal;

namespace TechLink.Portal.Tests;

/// <summary>The notes' HTML policy without a browser: what stays, what goes, and what a hostile note may cost.</summary>
public sealed class NoteHtmlTests
{
    private static readonly NoteHtml Policy = new();

    [Theory]
    [InlineData("<form action=\"https://evil.example\"><input type=\"password\"><button>Go</button></form>after", "after")]
    [InlineData("<div style=\"position:fixed;z-index:9999\">cover</div>", "<div>cover</div>")]
    [InlineData("<p class=\"flash\" id=\"main\" data-x=\"1\">x</p>", "<p>x</p>")]
    [InlineData("<img src=\"data:image/png;base64,AAAA\" alt=\"a\">", "")]
    [InlineData("<img src=\"/files/abc\">", "")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe><object data=\"x\"></object><textarea>t</textarea>", "")]
    [InlineData("<a href=\"//evil.example/x\">p</a><a href=\"/logout\">r</a><a href=\"javascript:alert(1)\">j</a>", "<a>p</a><a>r</a><a>j</a>")]
    public void Sanitize_HostileMarkup_KeepsOnlyTheAllowList(string note, string expected) => Assert.Equal(expected, Policy.Sanitize(note));

    [Fact]
    public void Sanitize_Links_KeepHttpHttpsMailtoWithRel()
    {
        var html = Policy.Sanitize("<a href=\"https://a.example/\" target=\"_blank\">a</a><a href=\"mailto:x@y.example\">m</a>");
        Assert.Equal($"<a href=\"https://a.example/\" rel=\"{NoteHtml.LinkRel}\">a</a><a href=\"mailto:x@y.example\" rel=\"{NoteHtml.LinkRel}\">m</a>", html);
    }

    [Fact]
    public void Sanitize_ExternalImage_BecomesALinkNamedByItsAlt()
    {
        var html = Policy.Sanitize("<img src=\"https://t.example/p.gif\" alt=\"Rack photo\" onerror=\"x()\">");
        Assert.Equal($"<a href=\"https://t.example/p.gif\" rel=\"{NoteHtml.LinkRel}\">[image: Rack photo]</a>", html);
    }

    [Fact]
    public void Sanitize_Formatting_Stays()
    {
        const string Note = "<p><b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <code>c</code></p><ul><li>1</li></ul><ol start=\"2\"><li>2</li></ol><blockquote>q</blockquote><table><tbody><tr><td colspan=\"2\">t</td></tr></tbody></table>";
        Assert.Equal(Note, Policy.Sanitize(Note));
    }

    [Theory]
    [InlineData("div", 33_000)]
    [InlineData("b", 33_000)]
    [InlineData("table><tr><td", 8_000)]
    public void Sanitize_DeeplyNestedNote_StaysWithinTheBounds(string tag, int nesting)
    {
        var note = string.Concat(Enumerable.Repeat($"<{tag}>", nesting)) + "deep";
        var html = Policy.Sanitize(note);

        // The parse stops at MaxElements (the default sanitizer walked all of them, seconds per view); what is shown
        // is either the formatted note within the bounds or its source as text.
        var body = new HtmlParser().ParseDocument("<!doctype html><body>" + html).Body!;
        Assert.InRange(body.QuerySelectorAll("*").Length, 0, NoteHtml.MaxElements);
        Assert.InRange(Depth(body), 0, NoteHtml.MaxDepth);
        Assert.Contains("deep", body.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_NestedWithinTheElementLimit_IsCutToMaxDepth()
    {
        var html = Policy.Sanitize(string.Concat(Enumerable.Repeat("<div>", 500)) + "deep");
        var body = new HtmlParser().ParseDocument("<!doctype html><body>" + html).Body!;
        Assert.InRange(Depth(body), NoteHtml.MaxDepth - 2, NoteHtml.MaxDepth);
        Assert.Equal("deep", body.TextContent);
    }

    private static int Depth(AngleSharp.Dom.IElement root)
    {
        var deepest = 0;
        var walk = new Stack<(AngleSharp.Dom.IElement Element, int Depth)>([(root, 0)]);
        while (walk.TryPop(out var item))
        {
            deepest = Math.Max(deepest, item.Depth);
            foreach (var child in item.Element.Children) walk.Push((child, item.Depth + 1));
        }

        return deepest;
    }
}
