using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace TechLink.Server.Portal;

/// <summary>
/// Error pages of the portal inside its layout (issue 15): an answer of a portal page without a body (a 404 for a missing
/// or another company's work order, a 403, a 500 the exception handler logged) is rendered again as
/// <c>GET /error?code=</c>, keeping its status. The API and everything machine-facing keep problem details.
/// </summary>
public static class PortalErrors
{
    public const string ErrorPath = "/error";

    /// <summary>The path the error page stands in for, for its "way back".</summary>
    public const string OriginalPathKey = "techlink.error.original-path";

    private static readonly string[] MachinePaths = ["/api", "/openapi", "/docs", "/health", "/metrics", "/files"];

    public static bool IsPortal(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var path = http.Request.Path;
        return path.HasValue && path.Value != "/" && !MachinePaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Status code pages: the portal's for portal paths, problem details for the rest (as before).</summary>
    internal static WebApplication UseTechLinkStatusCodePages(this WebApplication app)
    {
        app.UseWhen(IsPortal, b => b.UseStatusCodePages(ReExecuteAsync));
        app.UseExceptionHandler();
        app.UseWhen(h => !IsPortal(h), b => b.UseStatusCodePages());
        return app;
    }

    /// <summary>Runs the rest of the pipeline again as a GET of the error page (a re-run POST would be a form post again).</summary>
    private static async Task ReExecuteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var code = http.Response.StatusCode;
        var request = http.Request;
        var (path, query, method) = (request.Path, request.QueryString, request.Method);
        http.Items[OriginalPathKey] = path.Value;
        http.SetEndpoint(null);
        http.Features.Get<IRouteValuesFeature>()?.RouteValues.Clear();
        request.Path = ErrorPath;
        request.QueryString = QueryString.Create("code", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Method = HttpMethods.Get;
        try
        {
            await context.Next(http);
        }
        finally
        {
            (request.Path, request.QueryString, request.Method) = (path, query, method);
        }
    }
}
