using TechLink.Data.Postgres;
using TechLink.Data.Sqlite;
using TechLink.Delivery.Outbox;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Data;

internal static class DatabaseRegistration
{
    /// <summary>The databases this server runs on; <c>TechLink:Database:Provider</c> chooses one at start-up.</summary>
    public static readonly DataProvider[] Providers = [SqliteDataProvider.Instance, PostgresDataProvider.Instance];

    /// <summary>
    /// Registers the configured provider (also as <see cref="DataProvider"/>), its context, an
    /// <see cref="Microsoft.EntityFrameworkCore.IDbContextFactory{TechLinkDbContext}"/> and a scoped <see cref="TechLinkDbContext"/>.
    /// </summary>
    public static IServiceCollection AddTechLinkDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TechLinkOptions.SectionName).Get<TechLinkOptions>() ?? new TechLinkOptions();
        var provider = DataProvider.Choose(options.Database.Provider, Providers);
        var connectionString = ConnectionString(configuration, options, provider);
        if (provider.DatabaseFile(connectionString) is { } file)
        {
            PrivateFiles.CreateDirectory(options.FullDataPath);
            PrivateFiles.PrepareSqlite(file);
        }

        services.AddSingleton(provider);
        provider.AddContext(services, connectionString, Configure);
        return services;
    }

    public static string ConnectionString(IConfiguration configuration, TechLinkOptions options, DataProvider provider) =>
        configuration.GetConnectionString("TechLink") is { Length: > 0 } cs ? cs : provider.DefaultConnectionString(options.FullDataPath);

    // Writes the events queued by EventOutbox with each save, in its transaction, and wakes the dispatcher (and, on
    // PostgreSQL, the other nodes) as soon as a change with deliveries commits.
    // Registration changes are forgotten by every node's endpoint directory when they commit.
    private static void Configure(IServiceProvider sp, Microsoft.EntityFrameworkCore.DbContextOptionsBuilder o) =>
        o.AddInterceptors(sp.GetRequiredService<OutboxInterceptor>(), sp.GetRequiredService<Webhooks.RegistrationChangeInterceptor>());
}
