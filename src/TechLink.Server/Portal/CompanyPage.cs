using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>
/// A page of one company (<c>/companies/{companyId}/...</c>). Tenancy is the API's: staff see every company,
/// a client user only its own; anything else answers 404, exactly like a company that does not exist.
/// </summary>
public abstract class CompanyPage(TechLinkDbContext db) : PageModel
{
    protected TechLinkDbContext Db => db;

    public Company Company { get; private set; } = null!;

    public Caller Caller { get; private set; } = null!;

    /// <summary>The company id as the API spells it, for the handlers' <c>company_id</c>.</summary>
    public string CompanyKey => Formats.Id(Company.Id);

    public FormErrors Errors { get; } = new();

    [TempData]
    public string? Flash { get; set; }

    public abstract string Tab { get; }

    // Without [NonHandler] Razor Pages takes this override for a handler of the HTTP method "PAGE" on every company page.
    [NonHandler]
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Caller = Caller.From(User);
        var company = Formats.TryParseId(RouteData.Values["companyId"] as string, out var id)
            ? await db.Companies.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, HttpContext.RequestAborted)
            : null;
        if (company is null)
        {
            context.Result = NotFound();
            return;
        }

        Company = company;
        ViewData["Company"] = company;
        ViewData[Webhooks.AutoDisabler.BannerKey] = await Webhooks.AutoDisabler.DisabledAsync(db, company.Id, HttpContext.RequestAborted);
        ViewData["Tab"] = Tab;
        await next();
    }

    /// <summary>A service's outcome for the form: on refusal keeps its messages next to the fields and answers false.</summary>
    internal bool Accepted<T>(Outcome<T> outcome)
    {
        if (outcome.Refusal is { } refusal) Errors.Add(refusal);
        return outcome.Succeeded;
    }

    /// <summary>An empty query value means "no filter", as the API's absent parameter does.</summary>
    protected static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    protected IActionResult Done(string message, object? routeValues = null, string? fragment = null)
    {
        Flash = message;
        TempData.Remove(FlashAtKey);
        return RedirectToPage(null, null, routeValues, fragment);
    }

    /// <summary>
    /// The result of an action shown at the top of the card it concerns (the page renders <c>_Flash</c> with the card's
    /// id there), and the redirect lands on that card, so the message is in view and announced (<c>role=status</c>).
    /// </summary>
    protected IActionResult DoneAt(string card, string message, object? routeValues = null)
    {
        Flash = message;
        TempData[FlashAtKey] = card;
        return RedirectToPage(null, null, routeValues, card);
    }

    public const string FlashAtKey = "FlashAt";
}
