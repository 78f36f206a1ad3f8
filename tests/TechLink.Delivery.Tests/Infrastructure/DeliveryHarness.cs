using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Outbox;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>One node as the host would build it: DbContext factory with the wake interceptor, delivery services, optionally the dispatcher.</summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private DeliveryHarness(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static async Task<DeliveryHarness> StartAsync(
        Action<DbContextOptionsBuilder> database,
        TestEndpoints endpoints,
        IDictionary<string, string?>? settings = null,
        TimeProvider? time = null,
        bool dispatcher = true,
        IDnsResolver? dns = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
            // Receivers are on loopback; the dispatcher's tests check the excerpts and reasons they answer.
            ["TechLink:Delivery:ShowPrivateAnswers"] = "true",
            ["TechLink:Delivery:IdlePollInterval"] = "00:00:05",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton<IEndpointDirectory>(endpoints);
        builder.Services.AddDbContextFactory<TestDbContext>((sp, options) =>
        {
            database(options);
            options.UseSnakeCaseNamingConvention();
            options.AddInterceptors(sp.GetRequiredService<OutboxInterceptor>());
            options.ConfigureWarnings(w => w.Ignore(CoreEventId.ManyServiceProvidersCreatedWarning));
        });
        builder.Services.AddTechLinkDelivery<TestDbContext>(builder.Configuration);
        if (dns is not null) builder.Services.Replace(ServiceDescriptor.Singleton(dns));
        services?.Invoke(builder.Services);
        if (dispatcher) builder.Services.AddTechLinkDispatcher<TestDbContext>();
        var host = builder.Build();
        await host.StartAsync();
        return new DeliveryHarness(host);
    }

    public Task<TestDbContext> CreateDbAsync() =>
        Services.GetRequiredService<IDbContextFactory<TestDbContext>>().CreateDbContextAsync();

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
