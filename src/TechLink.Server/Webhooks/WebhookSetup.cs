using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Delivery.Retention;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

internal static class WebhookSetup
{
    /// <summary>
    /// The delivery engine, told where registrations point; the dispatcher only on nodes with that role. In Production
    /// webhook URLs may use only <see cref="DeliveryOptions.ProductionPorts"/> unless <c>TechLink:Delivery:AllowedPorts</c>
    /// names others; a Sandbox allows any port unless it is configured.
    /// </summary>
    public static IServiceCollection AddTechLinkWebhooks(this IServiceCollection services, IConfiguration configuration, TechLinkOptions options)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecrets>();
        services.AddScoped<RegistrationService>();
        services.AddScoped<ReplayService>();
        services.AddScoped<TestSendService>();
        services.AddScoped<DeliveryLogService>();
        services.AddScoped<EventFeedService>();
        services.AddSingleton<IEndpointDirectory, EndpointDirectory>();
        services.AddSingleton<RegistrationChangeInterceptor>();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NoticeMailer>();
        services.AddSingleton<DisabledNotices>();
        services.AddHostedService(sp => sp.GetRequiredService<DisabledNotices>());
        services.AddSingleton<AutoDisabler>();
        services.AddSingleton<TechLink.Delivery.Health.IEndpointFailureWatcher>(sp => sp.GetRequiredService<AutoDisabler>());
        services.AddTechLinkDelivery<TechLinkDbContext>(configuration);
        if (options.Environment == TechLinkEnvironment.Production)
        {
            services.PostConfigure<DeliveryOptions>(d =>
            {
                if (d.AllowedPorts.Count == 0) d.AllowedPorts = [.. DeliveryOptions.ProductionPorts];
            });
        }
        if (options.Node.RunsDispatcher)
        {
            services.AddTechLinkDispatcher<TechLinkDbContext>();
            services.AddSingleton<IRetentionTask, ReplayRetention>();
            services.AddTechLinkRetention<TechLinkDbContext>();
        }

        return services;
    }
}
