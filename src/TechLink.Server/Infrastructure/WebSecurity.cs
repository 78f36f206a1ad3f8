using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// What every answer carries and whom the server believes about the client: the browser policies (a
/// Content-Security-Policy without inline script that forbids framing, nosniff, a Referrer-Policy), forwarded headers
/// only from <c>TechLink:ForwardedHeaders:KnownProxies</c>, and a session cookie that is <c>Secure</c> whenever the
/// client's connection is TLS (told by a known proxy), and always in Production when the public address is https. The
/// antiforgery cookie stays as the request is: with Always it would make every form answer 500 over plain http.
/// </summary>
internal static class WebSecurity
{
    /// <summary>The portal has no inline script or style: its only script source would be its own files.</summary>
    private static string PortalPolicy(string imageSources) =>
        $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'{imageSources}; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The API reference (Scalar) starts itself with an inline module script and styles its page inline; it shows
    /// only our own OpenAPI document, holds no user data and sends no cookie-authenticated changes, so inline is
    /// allowed there, and only there.
    /// </summary>
    private const string DocsPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddTechLinkWebSecurity(this IServiceCollection services, TechLinkOptions options)
    {
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            // Only the configured proxies: not the framework's default loopback, and not "everyone" as
            // ASPNETCORE_FORWARDEDHEADERS_ENABLED would have it. The middleware believes every sender when both lists
            // are empty, so without proxies nothing is forwarded at all. Entries are read right to left and stop at
            // the first address that is not a known proxy, so a client cannot prepend addresses of its choosing.
            o.ForwardedHeaders = options.ForwardedHeaders.KnownProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            o.ForwardLimit = null;
            foreach (var entry in options.ForwardedHeaders.KnownProxies)
            {
                if (IPAddress.TryParse(entry, out var address)) o.KnownProxies.Add(address);
                else o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
            }
        });

        if (options.AlwaysSecureCookies)
        {
            services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o => o.Cookie.SecurePolicy = CookieSecurePolicy.Always);
        }

        return services;
    }

    /// <summary>First in the pipeline: everything after it sees the client's real scheme and address.</summary>
    public static WebApplication UseTechLinkWebSecurity(this WebApplication app, TechLinkOptions options)
    {
        if (options.ForwardedHeaders.KnownProxies.Count > 0) app.UseForwardedHeaders();
        // Photos are shown from their signed URLs, which start with PublicBaseUrl when it is set.
        var portalPolicy = PortalPolicy(options.PublicBaseUrl is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? " " + uri.GetLeftPart(UriPartial.Authority) : "");
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/docs") ? DocsPolicy : portalPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
        return app;
    }
}
