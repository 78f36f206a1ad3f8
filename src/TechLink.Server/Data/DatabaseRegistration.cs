using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TechLink.Delivery.Dispatching;
using TechLink.Server.Infrastructure;
using TechLink.Delivery.Outbox;

namespace TechLink.Server.Data;

internal static class DatabaseRegistration
{
    /// <summary>Registers the provider's context, an <see cref="IDbContextFactory{TechLinkDbContext}"/> and a scoped <see cref="TechLinkDbContext"/>.</summary>
    public static IServiceCollection AddTechLinkDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TechLinkOptions.SectionName).Get<TechLinkOptions>() ?? new TechLinkOptions();
        var connectionString = ConnectionString(configuration, options);
        if (options.Database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextFactory<PostgresTechLinkDbContext>((sp, o) => Configure(sp, UsePostgres(o, connectionString)));
            services.AddSingleton<IDbContextFactory<TechLinkDbContext>, UpcastFactory<PostgresTechLinkDbContext>>();
        }
        else
        {
            PrivateFiles.CreateDirectory(options.FullDataPath);
            PrivateFiles.PrepareSqlite(new SqliteConnectionStringBuilder(connectionString).DataSource);
            services.AddDbContextFactory<SqliteTechLinkDbContext>((sp, o) => Configure(sp, UseSqlite(o, connectionString)));
            services.AddSingleton<IDbContextFactory<TechLinkDbContext>, UpcastFactory<SqliteTechLinkDbContext>>();
        }

        services.AddScoped<TechLinkDbContext>(sp => sp.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext());
        return services;
    }

    public static string ConnectionString(IConfiguration configuration, TechLinkOptions options) =>
        configuration.GetConnectionString("TechLink") is { Length: > 0 } cs
            ? cs
            : options.Database.Provider == DatabaseProvider.Postgres
                ? throw new InvalidOperationException("ConnectionStrings:TechLink is required when TechLink:Database:Provider is Postgres.")
                : new SqliteConnectionStringBuilder { DataSource = Path.Combine(options.FullDataPath, "techlink.db"), Cache = SqliteCacheMode.Default }.ToString();

    internal static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlite(connectionString, x => x.MigrationsHistoryTable("__ef_migrations")).UseSnakeCaseNamingConvention()
            .AddInterceptors(new SqlitePragmas(), new SqliteWriteGate(new SqliteConnectionStringBuilder(connectionString).DataSource));

    internal static DbContextOptionsBuilder UsePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, x => x.MigrationsHistoryTable("__ef_migrations")).UseSnakeCaseNamingConvention();

    // Writes the events queued by EventOutbox with each save, in its transaction, and wakes the dispatcher (and, on
    // PostgreSQL, the other nodes) as soon as a change with deliveries commits.
    // Registration changes are forgotten by every node's endpoint directory when they commit.
    private static void Configure(IServiceProvider sp, DbContextOptionsBuilder o) =>
        o.AddInterceptors(sp.GetRequiredService<OutboxInterceptor>(), sp.GetRequiredService<Webhooks.RegistrationChangeInterceptor>());

    private sealed class UpcastFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<TechLinkDbContext>
        where T : TechLinkDbContext
    {
        public TechLinkDbContext CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteTechLinkDbContext</c> build the model without starting the host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTechLinkDbContext>
{
    public SqliteTechLinkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteTechLinkDbContext>)DatabaseRegistration.UseSqlite(new DbContextOptionsBuilder<SqliteTechLinkDbContext>(), "Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTechLinkDbContext>
{
    public PostgresTechLinkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgresTechLinkDbContext>)DatabaseRegistration.UsePostgres(new DbContextOptionsBuilder<PostgresTechLinkDbContext>(), "Host=localhost;Database=design").Options);
}
