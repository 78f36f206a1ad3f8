using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace TechLink.Data;

/// <summary>
/// Everything that differs between the databases TechLink runs on, in one object per provider (TechLink.Data.Sqlite,
/// TechLink.Data.Postgres): its DbContext subclass and migrations, its options (pragmas, write gate), how a snapshot
/// is read and what follows a copy that kept ids. A host chooses one at start-up (<see cref="Choose"/>); shared code
/// asks it and never branches on the provider.
/// </summary>
public abstract class DataProvider
{
    public abstract DatabaseProvider Kind { get; }

    /// <summary>Registers the provider's context factory, an <see cref="IDbContextFactory{TechLinkDbContext}"/> and a scoped <see cref="TechLinkDbContext"/>.</summary>
    /// <param name="configure">The host's additions to every context's options (its interceptors).</param>
    public abstract void AddContext(IServiceCollection services, string connectionString, Action<IServiceProvider, DbContextOptionsBuilder> configure);

    /// <summary>A context outside dependency injection (the sandbox refresh, tools, tests).</summary>
    /// <param name="mustExist">Refuse (<see cref="DatabaseMissingException"/>) rather than create a database that is not there.</param>
    public abstract TechLinkDbContext Open(string connectionString, bool mustExist = false);

    /// <summary>The connection string when none is configured: a file under <paramref name="dataPath"/>, or a clear refusal.</summary>
    public abstract string DefaultConnectionString(string dataPath);

    /// <summary>What a user may type for a connection (a bare SQLite path), as a connection string.</summary>
    public virtual string NormalizeConnectionString(string value) => value;

    /// <summary>The database file the connection opens, for a host that sets its permissions first; null for a server database.</summary>
    public virtual string? DatabaseFile(string connectionString) => null;

    /// <summary>Before migrations run on a connection (SQLite: write-ahead logging, which lives in the file).</summary>
    public virtual Task BeforeMigrateAsync(TechLinkDbContext db, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The database is down or unreachable (a failed connection, or busy beyond the timeout): the server answers 503.</summary>
    public abstract bool IsUnavailable(Exception exception);

    /// <summary>Starts a read-only transaction that sees one consistent snapshot while writers carry on.</summary>
    public abstract Task<IAsyncDisposable> BeginSnapshotAsync(TechLinkDbContext db, CancellationToken ct);

    /// <summary>Rows of <paramref name="tables"/> went in with their ids; the next id the database hands out must come after them.</summary>
    public virtual Task AfterInsertingIdsAsync(TechLinkDbContext db, IEnumerable<IEntityType> tables, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The provider among <paramref name="available"/> for <paramref name="kind"/>; a clear start-up error when there is none.</summary>
    public static DataProvider Choose(DatabaseProvider kind, params IEnumerable<DataProvider> available) =>
        available.FirstOrDefault(p => p.Kind == kind)
        ?? throw new InvalidOperationException(
            $"TechLink:Database:Provider '{kind}' is not supported; use one of: {string.Join(", ", available.Select(p => p.Kind))}.");

    /// <summary>
    /// Registers the provider's context: pooled (a request does not set up a fresh one), each lease started here, and
    /// <see cref="TechLinkDbContext"/> both as a factory and as the request's scoped context.
    /// </summary>
    protected static void AddPooledContext<T>(IServiceCollection services, Action<IServiceProvider, DbContextOptionsBuilder> options)
        where T : TechLinkDbContext
    {
        services.AddPooledDbContextFactory<T>(options);
        var pooled = services.Last(d => d.ServiceType == typeof(IDbContextFactory<T>));
        services.Remove(pooled);
        services.AddSingleton<IDbContextFactory<T>>(sp => new LeasingDbContextFactory<T>((IDbContextFactory<T>)(
            pooled.ImplementationInstance ?? pooled.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, pooled.ImplementationType!))));
        services.AddSingleton<IDbContextFactory<TechLinkDbContext>, UpcastDbContextFactory<T>>();
        services.AddScoped<TechLinkDbContext>(sp => sp.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext());
    }
}

/// <summary>A database that <see cref="DataProvider.Open"/> was told must exist is not there.</summary>
public sealed class DatabaseMissingException(string database) : Exception($"The database '{database}' does not exist.")
{
    public string Database { get; } = database;
}

/// <summary>Lets code depend on <see cref="TechLinkDbContext"/> while the container builds the provider's subclass.</summary>
public sealed class UpcastDbContextFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<TechLinkDbContext>
    where T : TechLinkDbContext
{
    public TechLinkDbContext CreateDbContext() => inner.CreateDbContext();
}

/// <summary>
/// EF Core's pooled factory for the provider's subclass, with each lease started as a new instance
/// (<see cref="TechLinkDbContext.StartLease"/>). It replaces the pool's own registration, so every way to get a context
/// (this factory, <see cref="UpcastDbContextFactory{T}"/>, the request's scoped context) starts one.
/// </summary>
public sealed class LeasingDbContextFactory<T>(IDbContextFactory<T> pool) : IDbContextFactory<T>
    where T : TechLinkDbContext
{
    public T CreateDbContext()
    {
        var db = pool.CreateDbContext();
        db.StartLease();
        return db;
    }
}
