using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace TechLink.Data.Postgres;

/// <summary>PostgreSQL: a server database named by <c>ConnectionStrings:TechLink</c>, shared by every node.</summary>
public sealed class PostgresDataProvider : DataProvider
{
    public static PostgresDataProvider Instance { get; } = new();

    private PostgresDataProvider()
    {
    }

    public override DatabaseProvider Kind => DatabaseProvider.Postgres;

    public override void AddContext(IServiceCollection services, string connectionString, Action<IServiceProvider, DbContextOptionsBuilder> configure)
    {
        AddPooledContext<PostgresTechLinkDbContext>(services, (sp, o) => configure(sp, Use(o, connectionString)));
    }

    /// <remarks>A missing database fails on first use with the server's own message; nothing here creates one.</remarks>
    public override TechLinkDbContext Open(string connectionString, bool mustExist = false) =>
        new PostgresTechLinkDbContext((DbContextOptions<PostgresTechLinkDbContext>)Use(new DbContextOptionsBuilder<PostgresTechLinkDbContext>(), connectionString).Options);

    public override string DefaultConnectionString(string dataPath) =>
        throw new InvalidOperationException("ConnectionStrings:TechLink is required when TechLink:Database:Provider is Postgres.");

    public override bool IsUnavailable(Exception exception) => exception is Npgsql.NpgsqlException { IsTransient: true };

    public override async Task<IAsyncDisposable> BeginSnapshotAsync(TechLinkDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await db.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY", ct);
        return transaction;
    }

    public override async Task AfterInsertingIdsAsync(TechLinkDbContext db, IEnumerable<IEntityType> tables, CancellationToken ct)
    {
        foreach (var entity in tables)
        {
            var key = entity.FindPrimaryKey()!.Properties;
            if (key.Count != 1 || key[0].ValueGenerated == ValueGenerated.Never || key[0].ClrType != typeof(long) && key[0].ClrType != typeof(int)) continue;
            var table = entity.GetTableName()!;
            var column = key[0].GetColumnName();
            var sql = $"""SELECT setval(pg_get_serial_sequence('"{table}"', '{column}'), COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)""";
            await db.Database.ExecuteSqlRawAsync(sql, ct);
        }
    }

    internal static DbContextOptionsBuilder Use(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, x => x.MigrationsHistoryTable("__ef_migrations")).UseSnakeCaseNamingConvention();
}

/// <summary>Lets <c>dotnet ef migrations add X --project src/TechLink.Data.Postgres</c> build the model without starting the host.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTechLinkDbContext>
{
    public PostgresTechLinkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgresTechLinkDbContext>)PostgresDataProvider.Use(new DbContextOptionsBuilder<PostgresTechLinkDbContext>(), "Host=localhost;Database=design").Options);
}
