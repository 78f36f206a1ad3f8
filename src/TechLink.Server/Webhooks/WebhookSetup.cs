using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

internal static class WebhookSetup
{
    /// <summary>The delivery engine, told where registrations point; the dispatcher only on nodes with that role.</summary>
    public static IServiceCollection AddTechLinkWebhooks(this IServiceCollection services, IConfiguration configuration, TechLinkOptions options)
    {
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<IEndpointDirectory, EndpointDirectory>();
        services.AddTechLinkDelivery<TechLinkDbContext>(configuration);
        if (options.Node.RunsDispatcher)
        {
            services.AddTechLinkDispatcher<TechLinkDbContext>();
        }

        return services;
    }
}
