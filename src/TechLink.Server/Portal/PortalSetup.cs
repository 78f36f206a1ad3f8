using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;

namespace TechLink.Server.Portal;

/// <summary>The portal: server-rendered Razor Pages under <c>Portal/</c>, cookie login, one small stylesheet.</summary>
internal static class PortalSetup
{
    public static IServiceCollection AddTechLinkPortal(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Portal";
            // Every page but the login form needs a signed-in user; the cookie scheme sends others to /login.
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/Account/Login");
            o.Conventions.AllowAnonymousToPage("/Error");
            o.Conventions.ConfigureFilter(new UnknownHandlerFilter());
        });
        services.Configure<AntiforgeryOptions>(o =>
        {
            o.Cookie.Name = "techlink.af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__RequestVerificationToken";
        });

        // Notes may hold HTML from any API client: the portal renders them only through this policy.
        services.AddSingleton<NoteHtml>();
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<PortalShell>();
        return services;
    }

    /// <summary>
    /// A page without a (live) session goes to the login form. A form post (a note, a status change) is refused with 401
    /// instead: a redirect would answer a state-changing request as if it had been taken. The page says what to do.
    /// </summary>
    public static async Task RedirectToLoginAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Redirect(context.RedirectUri);
            return;
        }

        // Back to the page the form was on, not to the post's URL: its ?handler= would be a GET of a POST handler.
        var back = context.Request.PathBase + context.Request.Path;
        var login = $"{context.Options.LoginPath}?{context.Options.ReturnUrlParameter}={Uri.EscapeDataString(back)}";
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            $"<!doctype html><title>Session ended</title><p>Your session has ended, so this was not saved. <a href=\"{HtmlEncoder.Default.Encode(login)}\">Log in again</a>.</p>",
            context.HttpContext.RequestAborted);
    }

    public static WebApplication MapTechLinkPortal(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
