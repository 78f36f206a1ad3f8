using Ganss.Xss;
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
        });
        services.Configure<AntiforgeryOptions>(o =>
        {
            o.Cookie.Name = "techlink.af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__RequestVerificationToken";
        });

        // Notes may hold HTML from any API client: the portal renders them only through this sanitizer.
        services.AddSingleton(_ => new HtmlSanitizer());
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<PortalShell>();
        return services;
    }

    public static WebApplication MapTechLinkPortal(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
