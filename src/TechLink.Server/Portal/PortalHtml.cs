using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace TechLink.Server.Portal;

public static class PortalHtml
{
    /// <summary>The errors of one field, in an element the input names with <c>aria-describedby</c>.</summary>
    public static IHtmlContent FieldErrors(this IHtmlHelper html, FormErrors errors, string field, string id)
    {
        var builder = new HtmlContentBuilder();
        builder.AppendHtml($"<span class=\"field-errors\" id=\"{HtmlEncoder.Default.Encode(id)}\">");
        foreach (var message in errors.For(field))
        {
            builder.AppendHtml("<span class=\"field-error\">").Append(message).AppendHtml("</span>");
        }

        return builder.AppendHtml("</span>");
    }

    public static IHtmlContent ErrorSummary(this IHtmlHelper html, FormErrors errors) =>
        errors.Summary is null ? HtmlString.Empty
            : new HtmlContentBuilder().AppendHtml("<p class=\"error-summary\" role=\"alert\">").Append(errors.Summary).AppendHtml("</p>");
}

/// <summary>Times as people read them, each labelled with its zone, in one piece that never breaks mid-word.</summary>
public static class PortalTimes
{
    /// <summary>An API instant ("2026-12-01T16:20:00Z") as "2026-12-01 16:20 UTC", machine-readable in <c>datetime</c>.</summary>
    public static IHtmlContent Utc(this IHtmlHelper html, string? instant)
    {
        if (string.IsNullOrEmpty(instant)) return new HtmlString("—");
        var shown = instant.Length >= 16 && instant[10] == 'T' ? $"{instant[..10]} {instant[11..16]} UTC" : instant;
        return new HtmlContentBuilder().AppendHtml($"<time class=\"ts\" datetime=\"{HtmlEncoder.Default.Encode(instant)}\">")
            .Append(shown).AppendHtml("</time>");
    }

    /// <summary>A site-local time ("2026-12-01 09:00:00", perhaps with its zone) labelled as the site's time.</summary>
    public static IHtmlContent SiteLocal(this IHtmlHelper html, string? local, string zone)
    {
        if (string.IsNullOrEmpty(local)) return new HtmlString("—");
        var time = local.Length >= 16 ? local[..16] : local;
        return new HtmlContentBuilder().AppendHtml("<time class=\"ts\">").Append(time).AppendHtml("</time> <span class=\"muted ts\">")
            .Append($"site time ({zone})").AppendHtml("</span>");
    }
}
