using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Outbox;
using TechLink.Delivery.Providers;
using TechLink.Delivery.Retention;

namespace TechLink.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Everything every node needs: options (<c>TechLink:Delivery</c>, validated at start-up), the sender, the
    /// network guard, metrics, the in-process signal and <see cref="OutboxInterceptor"/> (add it to the
    /// DbContext options). The host also registers <see cref="IEndpointDirectory"/> and
    /// <c>AddDbContextFactory&lt;TContext&gt;</c>.
    /// </summary>
    public static IServiceCollection AddTechLinkDelivery<TContext>(this IServiceCollection services, IConfiguration? configuration = null)
        where TContext : DbContext
    {
        var options = services.AddOptions<DeliveryOptions>();
        if (configuration is null) options.BindConfiguration(DeliveryOptions.SectionName);
        else options.Bind(configuration.GetSection(DeliveryOptions.SectionName));
        options.ValidateDataAnnotations().ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDnsResolver, SystemDnsResolver>();
        services.TryAddSingleton(sp => NetworkGuard.Create(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<LocalHandoff>();
        services.TryAddSingleton(sp => new OutboxInterceptor(sp.GetRequiredService<DeliverySignal>(), DeliveryProviders.OutboxWriter, sp.GetService<LocalHandoff>()));
        services.TryAddSingleton<EndpointChanges>();
        services.TryAddSingleton<DeliveryMetrics>();
        services.TryAddSingleton<DispatcherHealth>();
        services.TryAddSingleton(sp => new DeliveryNode(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.NodeId ?? DefaultNodeId()));
        services.TryAddSingleton(DeliveryProviders.Store<TContext>);
        services.TryAddSingleton(DeliveryProviders.WakeSource<TContext>);
        return services;
    }

    /// <summary>The background dispatcher (dispatcher nodes only). Calls <see cref="AddTechLinkDelivery{TContext}"/> if not yet done.</summary>
    public static IServiceCollection AddTechLinkDispatcher<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        if (!services.Any(d => d.ServiceType == typeof(IDeliveryStore))) services.AddTechLinkDelivery<TContext>();
        services.AddHostedService(sp => new DeliveryDispatcher(
            sp.GetRequiredService<IDeliveryStore>(),
            sp.GetRequiredService<IDeliveryWakeSource>(),
            sp.GetRequiredService<WebhookSender>(),
            sp.GetRequiredService<IEndpointDirectory>(),
            sp.GetRequiredService<DeliverySignal>(),
            sp.GetRequiredService<DeliveryMetrics>(),
            sp.GetRequiredService<DispatcherHealth>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value,
            sp.GetRequiredService<DeliveryNode>(),
            sp.GetRequiredService<ILogger<DeliveryDispatcher>>(),
            sp.GetService<Health.IEndpointFailureWatcher>(),
            sp.GetService<IPayloadFinisher>(),
            sp.GetService<LocalHandoff>()));
        return services;
    }

    /// <summary>
    /// The retention sweeper (<c>TechLink:Retention</c>), as a hosted service and as itself (to sweep on demand), and the
    /// <see cref="IdMarkRecorder"/>. Runs beside the dispatcher; several nodes may run it, one sweeps at a time. The host
    /// adds its own steps as <see cref="IRetentionTask"/>.
    /// </summary>
    public static IServiceCollection AddTechLinkRetention<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<IDbContextFactory<TContext>>();
            return new RetentionSweeper(
                factory.CreateDbContext,
                DeliveryProviders.RetentionLock<TContext>(sp),
                sp.GetServices<IRetentionTask>(),
                sp.GetRequiredService<IOptions<RetentionOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RetentionSweeper>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        services.AddHostedService(sp => new IdMarkRecorder(
            sp.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<IdMarkRecorder>>()));
        return services;
    }

    /// <summary>
    /// Adds <see cref="DeliveryReadinessCheck{TContext}"/> (the dispatcher's loop and the age of the oldest due delivery)
    /// with the given tags.
    /// </summary>
    public static IHealthChecksBuilder AddTechLinkDeliveryCheck<TContext>(this IHealthChecksBuilder builder, params string[] tags)
        where TContext : DbContext =>
        builder.AddCheck<DeliveryReadinessCheck<TContext>>("delivery", tags: tags);

    private static string DefaultNodeId()
    {
        var machine = Environment.MachineName;
        if (machine.Length > 50) machine = machine[..50];
        return $"{machine}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    }
}
