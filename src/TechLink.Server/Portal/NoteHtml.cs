using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;

namespace TechLink.Server.Portal;

/// <summary>
/// The one policy for showing a note's HTML in the portal: an allow-list made for notes. Text formatting, lists, tables,
/// quotes and links stay; forms and their controls, <c>style</c>, <c>class</c>, <c>id</c>, frames, media and SVG go.
/// Links keep only absolute http, https and mailto addresses and get <c>rel="noopener noreferrer nofollow"</c>; an image
/// is never loaded (a tracking pixel would tell its sender who opened the page): one with an http(s) address becomes a
/// link named by its alt text, any other is dropped.
/// </summary>
/// <remarks>
/// Notes are sanitized when they are shown, not when they are written: the API contract keeps a note's <c>content</c>
/// exactly as given (it "may hold HTML", and an event's <c>data</c> is what GET answers), and a policy applied at
/// render time also covers notes stored before it, or copied in by a sandbox refresh.
/// Parsing HTML costs time in the depth of the open elements for every tag, so a note of 100,000 characters of
/// nested tags took seconds per view. The parser stops at <see cref="MaxElements"/> elements (the note is then shown
/// as its source text) and nests at most <see cref="MaxDepth"/> deep.
/// </remarks>
public sealed class NoteHtml
{
    /// <summary>Elements a note may create when parsed; beyond it the note is shown as text.</summary>
    public const int MaxElements = 2_000;

    /// <summary>How deep a note's elements may nest below the note's own box.</summary>
    public const int MaxDepth = 32;

    public const string LinkRel = "noopener noreferrer nofollow";

    private static readonly string[] Tags =
    [
        "p", "br", "hr", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup", "small", "mark",
        "code", "pre", "kbd", "samp", "blockquote", "q", "cite", "abbr", "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a",
    ];

    private static readonly string[] Attributes = ["href", "title", "colspan", "rowspan", "start", "reversed", "dir", "lang"];

    private static readonly string[] Schemes = ["http", "https", "mailto"];

    private readonly HtmlSanitizer _sanitizer;

    public NoteHtml()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(Attributes, StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(Schemes, StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedClasses = new HashSet<string>(),
        };
        _sanitizer = new HtmlSanitizer(options) { KeepChildNodes = false, AllowDataAttributes = false };
        _sanitizer.FilterUrl += (_, e) => e.SanitizedUrl = AbsoluteAllowed(e.OriginalUrl) ? e.SanitizedUrl : null;
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IHtmlAnchorElement a && a.HasAttribute("href")) a.SetAttribute("rel", LinkRel);
        };
    }

    /// <summary>The note's HTML as the portal may show it.</summary>
    public string Sanitize(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var created = 0;
        var parser = new HtmlParser(new HtmlParserOptions
        {
            MaximumDepth = MaxDepth + 2, // html and body come first
            OnCreated = (_, _) =>
            {
                if (++created > MaxElements + 3) throw new NoteTooLargeException();
            },
        }, BrowsingContext.New(Configuration.Default.WithCss()));
        IHtmlDocument document;
        try
        {
            document = parser.ParseDocument("<!doctype html><html><body>" + html);
        }
        catch (NoteTooLargeException)
        {
            return "<pre class=\"note-source\">" + System.Net.WebUtility.HtmlEncode(html) + "</pre>";
        }

        using (document)
        {
            var body = document.Body!;
            foreach (var image in body.QuerySelectorAll("img").ToList()) ReplaceImage(document, image);
            _sanitizer.SanitizeDom(document, body, "");
            return body.ChildNodes.ToHtml(HtmlMarkupFormatter.Instance);
        }
    }

    /// <summary>An image with an http(s) address becomes a link to it named by its alt text; any other is dropped.</summary>
    private static void ReplaceImage(IHtmlDocument document, IElement image)
    {
        var src = image.GetAttribute("src")?.Trim() ?? "";
        if (!AbsoluteAllowed(src) || src.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            image.Remove();
            return;
        }

        var link = document.CreateElement("a");
        link.SetAttribute("href", src);
        var alt = image.GetAttribute("alt")?.Trim();
        link.TextContent = "[image: " + (string.IsNullOrEmpty(alt) ? src : alt) + "]";
        image.Replace(link);
    }

    /// <summary>Only absolute http, https and mailto addresses: relative, protocol-relative and other schemes go.</summary>
    private static bool AbsoluteAllowed(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return false;
        var trimmed = url.Trim();
        return Schemes.Any(s => trimmed.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            && Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);
    }

    private sealed class NoteTooLargeException : Exception;
}
