using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TechLink.Webhooks;

/// <summary>Registers handlers for the webhook endpoint; answered by <see cref="TechLinkWebhookServiceCollectionExtensions.AddTechLinkWebhooks"/>.</summary>
public sealed class TechLinkWebhooksBuilder
{
    internal TechLinkWebhooksBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Runs <typeparamref name="THandler"/> (resolved per request) for every event assignable to <typeparamref name="TEvent"/>.</summary>
    public TechLinkWebhooksBuilder AddHandler<TEvent, THandler>()
        where TEvent : TechLinkEvent
        where THandler : class, ITechLinkWebhookHandler<TEvent>
    {
        Services.TryAddScoped<THandler>();
        Services.AddSingleton(new HandlerRegistration(typeof(TEvent), (e, context, ct) =>
            context.Services.GetRequiredService<THandler>().HandleAsync((TEvent)e, context, ct)));
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every event assignable to <typeparamref name="TEvent"/>.</summary>
    public TechLinkWebhooksBuilder AddHandler<TEvent>(Func<TEvent, WebhookContext, CancellationToken, Task> handler)
        where TEvent : TechLinkEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        Services.AddSingleton(new HandlerRegistration(typeof(TEvent), (e, context, ct) => handler((TEvent)e, context, ct)));
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every event assignable to <typeparamref name="TEvent"/>.</summary>
    public TechLinkWebhooksBuilder AddHandler<TEvent>(Func<TEvent, Task> handler)
        where TEvent : TechLinkEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        return AddHandler<TEvent>((e, _, _) => handler(e));
    }

    /// <summary>
    /// Replaces the in-memory deduplication store, e.g. with one shared by several instances. A <typeparamref name="TStore"/>
    /// registered by the application is used as is; otherwise one singleton is created.
    /// </summary>
    public TechLinkWebhooksBuilder UseDeduplicationStore<TStore>() where TStore : class, IWebhookDeduplicationStore
    {
        Services.TryAddSingleton<TStore>();
        Services.Replace(ServiceDescriptor.Singleton<IWebhookDeduplicationStore>(sp => sp.GetRequiredService<TStore>()));
        return this;
    }
}

/// <summary>Registration of the webhook receiver services.</summary>
public static class TechLinkWebhookServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <see cref="TechLinkWebhookEndpointExtensions.MapTechLinkWebhooks"/> needs: options (bound from the
    /// <c>TechLink:Webhooks</c> configuration section when there is one, then <paramref name="configure"/>), an in-memory
    /// deduplication store and <see cref="TimeProvider.System"/> (unless already registered). Chain handlers on the answer.
    /// </summary>
    public static TechLinkWebhooksBuilder AddTechLinkWebhooks(this IServiceCollection services, Action<TechLinkWebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<TechLinkWebhookOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(TechLinkWebhookOptions.SectionName).Bind(o));
        if (configure is not null) optionsBuilder.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookDeduplicationStore, InMemoryWebhookDeduplicationStore>();
        services.TryAddSingleton<TechLinkWebhooksMarker>();
        return new TechLinkWebhooksBuilder(services);
    }
}

internal sealed class TechLinkWebhooksMarker;
