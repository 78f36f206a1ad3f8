using System.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Accounts;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Sandbox;

/// <summary>Where a database is: its provider and connection string.</summary>
internal sealed record DatabaseLocation(DatabaseProvider Provider, string ConnectionString);

/// <param name="FromFiles">Production's files folder (its DataPath/files); null to copy rows only.</param>
/// <param name="ToFiles">The sandbox's files folder (its DataPath/files); replaced as a whole after the commit.</param>
/// <param name="ForceSource">Copy from a database that is not recorded as Production.</param>
internal sealed record SandboxRefreshRequest(DatabaseLocation From, DatabaseLocation To, string? FromFiles = null, string? ToFiles = null, bool ForceSource = false);

/// <summary>One step of a refresh, for a progress display. <paramref name="Rows"/> is null when the step starts.</summary>
internal sealed record RefreshProgress(string Step, int? Rows = null);

internal sealed record SandboxRefreshResult(DateTime DataAsOf, IReadOnlyDictionary<string, int> Rows, int FilesCopied, IReadOnlyList<string> MissingFiles, bool MigratedTarget);

/// <summary>A refresh that was refused before anything was written (wrong environment, wrong schema, missing database).</summary>
internal sealed class SandboxRefreshRefusedException(string message) : Exception(message);

/// <summary>
/// Copies production's companies, accounts, sites and work orders (with everything attached, files included) into a
/// sandbox database, keeping ids. The sandbox keeps its own API keys, webhook registrations, events and deliveries,
/// and no event is written, so the copy fires no webhook.
/// <para>
/// Production is read from one snapshot while it keeps running: a REPEATABLE READ READ ONLY transaction on
/// PostgreSQL, a deferred read transaction on SQLite (WAL gives it a snapshot and writers are not blocked).
/// The sandbox is written in one transaction: replace the copied tables, upsert companies, fix identity
/// sequences, record <c>data_as_of</c>, commit. Files go to a staging folder first and are swapped in after
/// the commit, so a failure half way leaves the sandbox (rows and files) as it was, and a re-run starts afresh.
/// </para>
/// <para>
/// Companies are upserted, never deleted: deleting a company cascades to its API keys and webhook registrations,
/// which belong to the sandbox. Companies that exist only in the sandbox are kept (with their keys and
/// registrations); every other copied table is emptied and refilled, children first, so no FK check has to be
/// switched off and the same code runs on both providers.
/// </para>
/// </summary>
internal sealed class SandboxRefresher(TimeProvider clock)
{
    public const string DataAsOfKey = "data_as_of";
    private const int BatchSize = 1000;

    /// <summary>Called after each table is written into the sandbox (and after the files are staged), inside its transaction: tests inject failures and waits here.</summary>
    public Func<string, CancellationToken, Task>? AfterTable { get; init; }

    public async Task<SandboxRefreshResult> RefreshAsync(SandboxRefreshRequest request, IProgress<RefreshProgress>? progress, CancellationToken ct)
    {
        if ((request.FromFiles is null) != (request.ToFiles is null))
        {
            throw new SandboxRefreshRefusedException("Give both --from-files and --to-files, or neither.");
        }

        if (request.FromFiles is not null && !Directory.Exists(request.FromFiles))
        {
            throw new SandboxRefreshRefusedException($"The production files folder '{request.FromFiles}' does not exist.");
        }

        await using var target = Open(request.To, forWriting: true);
        var migrated = await PrepareTargetAsync(target, progress, ct);

        await using var source = Open(request.From, forWriting: false);
        // Taken before the snapshot starts: everything production committed until then is in the copy.
        var dataAsOf = Formats.Now(clock);
        await using var snapshot = await BeginSnapshotAsync(source, ct);
        await CheckSourceAsync(source, request.ForceSource, ct);

        var staging = request.ToFiles is null ? null : StagingFolder(request.ToFiles);
        try
        {
            var (rows, files, missing) = await WriteAsync(source, target, request, staging, dataAsOf, progress, ct);
            if (staging is not null)
            {
                progress?.Report(new RefreshProgress("swap files"));
                SwapIn(staging, request.ToFiles!);
                staging = null;
            }

            progress?.Report(new RefreshProgress("done"));
            return new SandboxRefreshResult(dataAsOf, rows, files, missing, migrated);
        }
        finally
        {
            if (staging is not null && Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    internal static TechLinkDbContext Open(DatabaseLocation location, bool forWriting)
    {
        if (location.Provider == DatabaseProvider.Postgres)
        {
            var pg = new DbContextOptionsBuilder<PostgresTechLinkDbContext>();
            DatabaseRegistration.UsePostgres(pg, location.ConnectionString);
            return new PostgresTechLinkDbContext(pg.Options);
        }

        var builder = new SqliteConnectionStringBuilder(location.ConnectionString);
        if (forWriting)
        {
            if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } dir) Directory.CreateDirectory(dir);
        }
        else
        {
            // Never create an empty "production" by mistyping its path.
            builder.Mode = SqliteOpenMode.ReadWrite;
            if (!File.Exists(builder.DataSource)) throw new SandboxRefreshRefusedException($"The source database '{builder.DataSource}' does not exist.");
        }

        var sqlite = new DbContextOptionsBuilder<SqliteTechLinkDbContext>();
        DatabaseRegistration.UseSqlite(sqlite, builder.ToString());
        return new SqliteTechLinkDbContext(sqlite.Options);
    }

    /// <summary>Migrates an empty sandbox database; refuses production and a sandbox whose schema is behind.</summary>
    private static async Task<bool> PrepareTargetAsync(TechLinkDbContext target, IProgress<RefreshProgress>? progress, CancellationToken ct)
    {
        var applied = (await target.Database.GetAppliedMigrationsAsync(ct)).ToList();
        var migrated = false;
        if (applied.Count == 0)
        {
            progress?.Report(new RefreshProgress("migrate the empty sandbox database"));
            if (target.Database.IsSqlite()) await target.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await target.Database.MigrateAsync(ct);
            migrated = true;
        }
        else if ((await target.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            throw new SandboxRefreshRefusedException("The sandbox database's schema is older than this tool's; start the sandbox server of this version once (it migrates), then refresh.");
        }

        var environment = await target.SystemSettings.AsNoTracking().Where(s => s.Key == DatabaseInitializer.EnvironmentKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (environment is not null && environment != nameof(TechLinkEnvironment.Sandbox))
        {
            throw new SandboxRefreshRefusedException($"Refusing to write into a database that belongs to the {environment} environment; the target must be a sandbox.");
        }

        return migrated;
    }

    private static async Task<IAsyncDisposable> BeginSnapshotAsync(TechLinkDbContext source, CancellationToken ct)
    {
        await source.Database.OpenConnectionAsync(ct);
        if (source.Database.IsNpgsql())
        {
            var tx = await source.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            await source.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY", ct);
            return tx;
        }

        var connection = (SqliteConnection)source.Database.GetDbConnection();
        await source.Database.ExecuteSqlRawAsync("PRAGMA query_only = ON;", ct);
        // Deferred: no lock until the first read, and then only a WAL read snapshot; production's writers carry on.
        var sqliteTx = connection.BeginTransaction(deferred: true);
        return await source.Database.UseTransactionAsync(sqliteTx, ct) ?? throw new InvalidOperationException("The source transaction was not taken up.");
    }

    /// <summary>Each provider has its own migrations; a source at this tool's latest has the model the sandbox has.</summary>
    private static async Task CheckSourceAsync(TechLinkDbContext source, bool force, CancellationToken ct)
    {
        var known = source.Database.GetMigrations().ToHashSet();
        var applied = (await source.Database.GetAppliedMigrationsAsync(ct)).ToHashSet();
        if (!applied.SetEquals(known))
        {
            throw new SandboxRefreshRefusedException(applied.Count == 0
                ? "The source is not a TechLink database (no migrations applied)."
                : $"The source database's schema differs from this tool's; use the tool of production's version (source has {string.Join(", ", applied.Order())}; this tool knows {string.Join(", ", known.Order())}).");
        }

        var environment = await source.SystemSettings.AsNoTracking().Where(s => s.Key == DatabaseInitializer.EnvironmentKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (environment != nameof(TechLinkEnvironment.Production) && !force)
        {
            throw new SandboxRefreshRefusedException($"The source database belongs to the {environment ?? "(unrecorded)"} environment, not Production; pass --force-source to copy from it anyway.");
        }
    }

    private async Task<(Dictionary<string, int> Rows, int Files, List<string> Missing)> WriteAsync(
        TechLinkDbContext source, TechLinkDbContext target, SandboxRefreshRequest request, string? staging, DateTime dataAsOf,
        IProgress<RefreshProgress>? progress, CancellationToken ct)
    {
        await using var tx = await target.Database.BeginTransactionAsync(ct);
        progress?.Report(new RefreshProgress("clear the copied tables"));
        await ClearCopiedTablesAsync(target, ct);

        var rows = new Dictionary<string, int>();
        var storagePaths = new List<string>();
        async Task Table<T>(string name, IQueryable<T> rowsOf, Action<T>? seen = null) where T : class
        {
            progress?.Report(new RefreshProgress(name));
            var count = await CopyAsync(rowsOf, target, seen, ct);
            rows[name] = count;
            progress?.Report(new RefreshProgress(name, count));
            if (AfterTable is not null) await AfterTable(name, ct);
        }

        progress?.Report(new RefreshProgress("companies"));
        rows["companies"] = await UpsertCompaniesAsync(source, target, ct);
        progress?.Report(new RefreshProgress("companies", rows["companies"]));
        if (AfterTable is not null) await AfterTable("companies", ct);

        await Table("roles", source.Roles.AsNoTracking());
        await Table("role_claims", source.RoleClaims.AsNoTracking());
        await Table("users", source.Users.AsNoTracking());
        await Table("user_claims", source.UserClaims.AsNoTracking());
        await Table("user_logins", source.UserLogins.AsNoTracking());
        await Table("user_roles", source.UserRoles.AsNoTracking());
        await Table("user_tokens", source.UserTokens.AsNoTracking());
        await Table("sites", source.Sites.AsNoTracking());
        await Table("work_orders", source.WorkOrders.AsNoTracking());
        await Table("work_order_status_changes", source.WorkOrderStatusChanges.AsNoTracking());
        await Table("work_order_notes", source.Notes.AsNoTracking());
        await Table("work_order_files", source.Files.AsNoTracking(), f => storagePaths.Add(f.StoragePath));
        await Table("work_order_questions", source.Questions.AsNoTracking());
        await Table("work_order_tasks", source.Tasks.AsNoTracking());

        if (target.Database.IsNpgsql())
        {
            progress?.Report(new RefreshProgress("fix identity sequences"));
            await FixSequencesAsync(target, ct);
        }

        var (files, missing) = (0, new List<string>());
        if (staging is not null)
        {
            progress?.Report(new RefreshProgress("files"));
            (files, missing) = await CopyFilesAsync(request.FromFiles!, staging, storagePaths, ct);
            progress?.Report(new RefreshProgress("files", files));
            if (AfterTable is not null) await AfterTable("files", ct);
        }

        await SetAsync(target, DataAsOfKey, Formats.Instant(dataAsOf), ct);
        await SetAsync(target, DatabaseInitializer.EnvironmentKey, nameof(TechLinkEnvironment.Sandbox), ct);
        await target.SaveChangesAsync(ct);
        progress?.Report(new RefreshProgress("commit"));
        await tx.CommitAsync(ct);
        return (rows, files, missing);
    }

    /// <summary>Children first, so that no delete depends on a cascade and no FK check has to be switched off.</summary>
    private static async Task ClearCopiedTablesAsync(TechLinkDbContext target, CancellationToken ct)
    {
        await target.Tasks.ExecuteDeleteAsync(ct);
        await target.Questions.ExecuteDeleteAsync(ct);
        await target.Files.ExecuteDeleteAsync(ct);
        await target.Notes.ExecuteDeleteAsync(ct);
        await target.WorkOrderStatusChanges.ExecuteDeleteAsync(ct);
        await target.WorkOrders.ExecuteDeleteAsync(ct);
        await target.Sites.ExecuteDeleteAsync(ct);
        await target.UserTokens.ExecuteDeleteAsync(ct);
        await target.UserLogins.ExecuteDeleteAsync(ct);
        await target.UserRoles.ExecuteDeleteAsync(ct);
        await target.UserClaims.ExecuteDeleteAsync(ct);
        await target.Users.ExecuteDeleteAsync(ct);
        await target.RoleClaims.ExecuteDeleteAsync(ct);
        await target.Roles.ExecuteDeleteAsync(ct);
    }

    private static async Task<int> UpsertCompaniesAsync(TechLinkDbContext source, TechLinkDbContext target, CancellationToken ct)
    {
        var existing = await target.Companies.ToDictionaryAsync(c => c.Id, ct);
        var count = 0;
        await foreach (var company in source.Companies.AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            if (existing.TryGetValue(company.Id, out var row))
            {
                row.Name = company.Name;
                row.CreatedAt = company.CreatedAt;
                row.UpdatedAt = company.UpdatedAt;
            }
            else
            {
                target.Companies.Add(company);
            }

            count++;
        }

        await target.SaveChangesAsync(ct);
        target.ChangeTracker.Clear();
        return count;
    }

    private static async Task<int> CopyAsync<T>(IQueryable<T> rows, TechLinkDbContext target, Action<T>? seen, CancellationToken ct) where T : class
    {
        var count = 0;
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            seen?.Invoke(row);
            target.Add(row);
            if (++count % BatchSize == 0)
            {
                await target.SaveChangesAsync(ct);
                target.ChangeTracker.Clear();
            }
        }

        await target.SaveChangesAsync(ct);
        target.ChangeTracker.Clear();
        return count;
    }

    /// <summary>Rows went in with their production ids; the next id the sandbox hands out must come after them.</summary>
    private static async Task FixSequencesAsync(TechLinkDbContext target, CancellationToken ct)
    {
        Type[] withIdentity =
        [
            typeof(Company), typeof(IdentityRole<long>), typeof(IdentityRoleClaim<long>), typeof(User), typeof(IdentityUserClaim<long>),
            typeof(Site), typeof(WorkOrder), typeof(WorkOrderStatusChange), typeof(Note), typeof(WorkOrderFile), typeof(Question), typeof(WorkTask),
        ];
        foreach (var type in withIdentity)
        {
            var entity = target.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not in the model.");
            var table = entity.GetTableName()!;
            var column = entity.FindPrimaryKey()!.Properties.Single().GetColumnName();
            var sql = $"""SELECT setval(pg_get_serial_sequence('"{table}"', '{column}'), COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)""";
            await target.Database.ExecuteSqlRawAsync(sql, ct);
        }
    }

    private static async Task SetAsync(TechLinkDbContext target, string key, string value, CancellationToken ct)
    {
        var row = await target.SystemSettings.FirstOrDefaultAsync(s => s.Key == key, ct);
        if (row is null) target.SystemSettings.Add(new SystemSetting { Key = key, Value = value });
        else row.Value = value;
    }

    private static async Task<(int Copied, List<string> Missing)> CopyFilesAsync(string from, string staging, List<string> storagePaths, CancellationToken ct)
    {
        var fromRoot = Path.GetFullPath(from);
        Directory.CreateDirectory(staging);
        var missing = new List<string>();
        var copied = 0;
        foreach (var relative in storagePaths)
        {
            var source = Path.GetFullPath(Path.Combine(fromRoot, relative));
            var destination = Path.GetFullPath(Path.Combine(staging, relative));
            if (!IsUnder(source, fromRoot) || !IsUnder(destination, staging) || !File.Exists(source))
            {
                missing.Add(relative);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            await using (var input = File.OpenRead(source))
            await using (var output = File.Create(destination))
            {
                await input.CopyToAsync(output, ct);
            }

            copied++;
        }

        return (copied, missing);
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>A sibling of the files folder, so that the swap is a rename on one file system.</summary>
    private static string StagingFolder(string toFiles)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(toFiles));
        return $"{full}.refresh-{Guid.NewGuid():N}";
    }

    private static void SwapIn(string staging, string toFiles)
    {
        var live = Path.TrimEndingDirectorySeparator(Path.GetFullPath(toFiles));
        Directory.CreateDirectory(staging);
        string? old = null;
        if (Directory.Exists(live))
        {
            old = $"{live}.old-{Guid.NewGuid():N}";
            Directory.Move(live, old);
        }

        Directory.Move(staging, live);
        if (old is not null) Directory.Delete(old, recursive: true);
    }
}
