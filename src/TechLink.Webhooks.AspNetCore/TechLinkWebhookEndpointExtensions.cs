using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace TechLink.Webhooks;

/// <summary>Maps the TechLink webhook receiver endpoint.</summary>
public static class TechLinkWebhookEndpointExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c>: verifies the request (401), parses it (400), skips a
    /// <c>webhook-id</c> already processed (200), runs the handlers registered for the event (500 when one throws, so
    /// the sender retries) and answers 200. Requires <see cref="TechLinkWebhookServiceCollectionExtensions.AddTechLinkWebhooks"/>.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="pattern">The route, e.g. <c>"/webhooks/techlink"</c>.</param>
    /// <param name="configure">Adjusts, for this endpoint only, the options registered with the services.</param>
    public static IEndpointConventionBuilder MapTechLinkWebhooks(this IEndpointRouteBuilder endpoints, string pattern, Action<TechLinkWebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<TechLinkWebhooksMarker>() is null)
        {
            throw new InvalidOperationException("MapTechLinkWebhooks needs services.AddTechLinkWebhooks(...) at start-up.");
        }

        var options = services.GetRequiredService<IOptions<TechLinkWebhookOptions>>().Value.Clone();
        configure?.Invoke(options);
        if (options.RequireVerification && string.IsNullOrEmpty(options.Token) && !options.AllSecrets.Any())
        {
            throw new InvalidOperationException(
                "The TechLink webhook endpoint has neither a Token nor a Secret, so it would accept anyone's events. " +
                "Set TechLinkWebhookOptions.Secret (the registration's whsec_ signing secret) and/or Token, or RequireVerification = false.");
        }

        var timeProvider = services.GetRequiredService<TimeProvider>();
        var endpoint = new WebhookEndpoint(
            options,
            new WebhookVerifier(options.Token, options.AllSecrets, timeProvider, options.TimestampTolerance),
            services.GetRequiredService<IWebhookDeduplicationStore>(),
            [.. services.GetServices<HandlerRegistration>()],
            services.GetService<ILoggerFactory>()?.CreateLogger("TechLink.Webhooks") ?? NullLogger.Instance);
        // The sender cannot log in: the endpoint authenticates requests itself, so an app-wide fallback policy must not apply.
        return endpoints.MapPost(pattern, endpoint.HandleAsync)
            .WithDisplayName("TechLink webhooks " + pattern)
            .AllowAnonymous();
    }
}
