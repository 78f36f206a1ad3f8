using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace TechLink.Server.Portal;

/// <summary>
/// A request for a handler the page does not have answers 404. Left alone, Razor Pages renders such a page without
/// running any handler (<c>POST ?handler=Nope</c>), or runs the page's unnamed handler instead of the one named: the
/// page's model is then never loaded, and rendering it fails with a 500.
/// </summary>
internal sealed class UnknownHandlerFilter : IPageFilter
{
    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var requested = RequestedName(context.HttpContext, context.RouteData);
        var selected = context.HandlerMethod;
        // Two handler names (?handler=Csv&handler=Nope) name no one handler: Razor Pages would take the first.
        var unknown = context.HttpContext.Request.Query["handler"].Count > 1 || (requested is not null
            ? !string.Equals(selected?.Name, requested, StringComparison.OrdinalIgnoreCase)
            : selected is null && !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method));
        if (unknown) context.Result = new NotFoundResult();
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }

    /// <summary>The handler name as Razor Pages reads it: the route value first, then the query string.</summary>
    private static string? RequestedName(HttpContext http, RouteData route) =>
        route.Values["handler"] is string { Length: > 0 } fromRoute ? fromRoute
            : http.Request.Query["handler"].FirstOrDefault() is { Length: > 0 } fromQuery ? fromQuery : null;
}
