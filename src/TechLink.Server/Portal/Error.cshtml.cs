using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>An error answer of the portal in its layout, with plain words and a way back (see <see cref="PortalErrors"/>).</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Code { get; private set; }
    public string Heading { get; private set; } = "";
    public string Explanation { get; private set; } = "";
    public string BackUrl { get; private set; } = "/portal";
    public string BackLabel { get; private set; } = "Go to the portal's start page";

    public void OnGet([FromQuery] int? code)
    {
        Code = code is >= 400 and <= 599 ? code.Value : StatusCodes.Status404NotFound;
        Response.StatusCode = Code;
        (Heading, Explanation) = Code switch
        {
            404 => ("Page not found", "There is nothing at this address, or it belongs to a company you cannot see. Check the link, or go back and pick it from a list."),
            403 => ("Not allowed", "Your account may not do this. Staff of TechLink Services can; ask them if you need it done."),
            400 => ("The request could not be used", "The form may have expired (for example after a long pause or a new login). Go back, reload the page and try again."),
            413 => ("Too large", "The file or form was larger than the portal accepts."),
            429 => ("Too many requests", "Please wait a minute and try again."),
            503 => ("Temporarily unavailable", "The portal cannot reach its database just now. Please try again in a minute."),
            >= 500 => ("Something went wrong on our side", "The error has been logged. Please try again; if it keeps happening, tell TechLink Services what you were doing."),
            _ => ("The request could not be completed", "Go back and try again."),
        };
        var original = HttpContext.Items[PortalErrors.OriginalPathKey] as string;
        if (User.Identity?.IsAuthenticated != true)
        {
            (BackUrl, BackLabel) = ("/login", "Log in");
        }
        else if (original is not null && ParentOf(original) is { } parent)
        {
            (BackUrl, BackLabel) = parent;
        }
    }

    /// <summary>The list a missing thing would be in: a work order's list, a company's page, the company list.</summary>
    private (string Url, string Label)? ParentOf(string path)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length < 2 || parts[0] != "companies" || !Formats.TryParseId(parts[1], out var companyId) || !Caller.From(User).CanSee(companyId)) return null;
        if (parts.Length >= 3 && parts[2] == "workorders") return ($"/companies/{companyId}/workorders", "Back to the work orders");
        return ($"/companies/{companyId}", "Back to the company");
    }
}
