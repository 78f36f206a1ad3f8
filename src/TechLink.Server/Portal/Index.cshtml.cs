using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>The portal's start: a client lands on its Company Details page, staff on the list of companies.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => Caller.From(User) switch
    {
        { IsStaff: true } => Redirect("/companies"),
        { CompanyId: { } id } => Redirect($"/companies/{id}"),
        _ => Forbid(),
    };
}
