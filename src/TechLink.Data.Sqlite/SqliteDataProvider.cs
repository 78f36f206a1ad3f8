using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace TechLink.Data.Sqlite;

/// <summary>
/// SQLite: one file under the data path; every connection gets <see cref="SqlitePragmas"/> and every transaction
/// <see cref="SqliteWriteGate"/> (one writer at a time, queued fairly).
/// </summary>
public sealed class SqliteDataProvider : DataProvider
{
    public static SqliteDataProvider Instance { get; } = new();

    private SqliteDataProvider()
    {
    }

    public override DatabaseProvider Kind => DatabaseProvider.Sqlite;

    public override void AddContext(IServiceCollection services, string connectionString, Action<IServiceProvider, DbContextOptionsBuilder> configure)
    {
        AddPooledContext<SqliteTechLinkDbContext>(services, (sp, o) => configure(sp, Use(o, connectionString)));
    }

    public override TechLinkDbContext Open(string connectionString, bool mustExist = false)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (mustExist)
        {
            // Never create an empty database by mistyping its path.
            builder.Mode = SqliteOpenMode.ReadWrite;
            if (!File.Exists(builder.DataSource)) throw new DatabaseMissingException(builder.DataSource);
        }
        else if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }

        return new SqliteTechLinkDbContext((DbContextOptions<SqliteTechLinkDbContext>)Use(new DbContextOptionsBuilder<SqliteTechLinkDbContext>(), builder.ToString()).Options);
    }

    public override string DefaultConnectionString(string dataPath) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataPath, "techlink.db"), Cache = SqliteCacheMode.Default }.ToString();

    public override string NormalizeConnectionString(string value) =>
        value.Contains('=', StringComparison.Ordinal) ? value : $"Data Source={value}";

    public override string? DatabaseFile(string connectionString) => new SqliteConnectionStringBuilder(connectionString).DataSource;

    public override async Task BeforeMigrateAsync(TechLinkDbContext db, CancellationToken ct) =>
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);

    /// <summary>SQLITE_BUSY (5) or SQLITE_LOCKED (6) beyond the busy timeout.</summary>
    public override bool IsUnavailable(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 };

    public override async Task<IAsyncDisposable> BeginSnapshotAsync(TechLinkDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.ExecuteSqlRawAsync("PRAGMA query_only = ON;", ct);
        // Deferred: no lock until the first read, and then only a WAL read snapshot; the writers carry on.
        var transaction = connection.BeginTransaction(deferred: true);
        return await db.Database.UseTransactionAsync(transaction, ct) ?? throw new InvalidOperationException("The snapshot transaction was not taken up.");
    }

    internal static DbContextOptionsBuilder Use(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlite(connectionString, x => x.MigrationsHistoryTable("__ef_migrations")).UseSnakeCaseNamingConvention()
            .AddInterceptors(new SqlitePragmas(), new SqliteWriteGate(new SqliteConnectionStringBuilder(connectionString).DataSource));
}

/// <summary>Lets <c>dotnet ef migrations add X --project src/TechLink.Data.Sqlite</c> build the model without starting the host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTechLinkDbContext>
{
    public SqliteTechLinkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteTechLinkDbContext>)SqliteDataProvider.Use(new DbContextOptionsBuilder<SqliteTechLinkDbContext>(), "Data Source=design.db").Options);
}
