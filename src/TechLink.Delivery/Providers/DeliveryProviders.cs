using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Delivery.Providers.Postgres;
using TechLink.Delivery.Providers.Sqlite;
using TechLink.Delivery.Retention;

namespace TechLink.Delivery.Providers;

/// <summary>The databases the engine runs on.</summary>
internal enum DeliveryProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The one place that knows which implementation serves which provider: the host's DbContext is asked when the
/// engine's singletons are first resolved (start-up), and an unsupported provider fails there with a clear message.
/// </summary>
internal static class DeliveryProviders
{
    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";
    public const string PostgresProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    public static DeliveryProvider Of(DbContext db) => db.Database.ProviderName switch
    {
        SqliteProvider => DeliveryProvider.Sqlite,
        PostgresProvider => DeliveryProvider.Postgres,
        var other => throw new InvalidOperationException(
            $"The delivery engine runs on SQLite ({SqliteProvider}) or PostgreSQL ({PostgresProvider}); the host's DbContext uses '{other ?? "no provider"}'."),
    };

    public static DeliveryProvider Detect<TContext>(IServiceProvider services)
        where TContext : DbContext
    {
        using var db = services.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
        return Of(db);
    }

    public static IDeliveryStore Store<TContext>(IServiceProvider services)
        where TContext : DbContext
    {
        var factory = services.GetRequiredService<IDbContextFactory<TContext>>();
        var node = services.GetRequiredService<DeliveryNode>();
        return Detect<TContext>(services) switch
        {
            DeliveryProvider.Postgres => new PostgresDeliveryStore<TContext>(factory, node),
            _ => new SqliteDeliveryStore<TContext>(factory, node),
        };
    }

    /// <summary>The outbox writer for <paramref name="db"/>'s provider and model.</summary>
    public static IOutboxWriter OutboxWriter(DbContext db) => Of(db) switch
    {
        DeliveryProvider.Postgres => new PostgresOutboxWriter(OutboxTables.Of(db)),
        _ => new SqliteOutboxWriter(OutboxTables.Of(db)),
    };

    public static IRetentionLock RetentionLock<TContext>(IServiceProvider services)
        where TContext : DbContext =>
        Detect<TContext>(services) switch
        {
            DeliveryProvider.Postgres => new PostgresRetentionLock(),
            _ => NoRetentionLock.Instance,
        };

    public static IDeliveryWakeSource WakeSource<TContext>(IServiceProvider services)
        where TContext : DbContext =>
        Detect<TContext>(services) switch
        {
            DeliveryProvider.Postgres => new PostgresNotificationListener<TContext>(
                services.GetRequiredService<IDbContextFactory<TContext>>(),
                services.GetRequiredService<DeliverySignal>(),
                services.GetRequiredService<IEndpointDirectory>(),
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<DeliveryDispatcher>>()),
            _ => InProcessWakeSource.Instance,
        };
}

/// <summary>SQLite: every writer is in this process and raises the <see cref="DeliverySignal"/> itself; nothing to listen to.</summary>
internal sealed class InProcessWakeSource : IDeliveryWakeSource
{
    public static readonly InProcessWakeSource Instance = new();

    public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
