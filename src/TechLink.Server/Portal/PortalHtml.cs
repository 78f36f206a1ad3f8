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
