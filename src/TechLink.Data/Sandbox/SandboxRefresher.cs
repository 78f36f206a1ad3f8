using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using TechLink.Data.WorkOrders;

namespace TechLink.Data.Sandbox;

/// <summary>Where a database is: its provider and connection string.</summary>
internal sealed record DatabaseLocation(DataProvider Provider, string ConnectionString);

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
/// switched off and the same code runs on both providers. Which table is copied, upserted or kept is
/// <see cref="SandboxTables"/>; what differs between providers is the <see cref="DataProvider"/>'s.
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
        var migrated = await PrepareTargetAsync(request.To.Provider, target, progress, ct);

        await using var source = Open(request.From, forWriting: false);
        // Taken before the snapshot starts: everything production committed until then is in the copy.
        var dataAsOf = Formats.Now(clock);
        await using var snapshot = await request.From.Provider.BeginSnapshotAsync(source, ct);
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
        try
        {
            // The source must exist: never create an empty "production" by mistyping its path.
            return location.Provider.Open(location.ConnectionString, mustExist: !forWriting);
        }
        catch (DatabaseMissingException ex)
        {
            throw new SandboxRefreshRefusedException($"The source database '{ex.Database}' does not exist.");
        }
    }

    /// <summary>Migrates an empty sandbox database; refuses production and a sandbox whose schema is behind.</summary>
    private static async Task<bool> PrepareTargetAsync(DataProvider provider, TechLinkDbContext target, IProgress<RefreshProgress>? progress, CancellationToken ct)
    {
        var applied = (await target.Database.GetAppliedMigrationsAsync(ct)).ToList();
        var migrated = false;
        if (applied.Count == 0)
        {
            progress?.Report(new RefreshProgress("migrate the empty sandbox database"));
            await provider.BeforeMigrateAsync(target, ct);
            await target.Database.MigrateAsync(ct);
            migrated = true;
        }
        else if ((await target.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            throw new SandboxRefreshRefusedException("The sandbox database's schema is older than this tool's; start the sandbox server of this version once (it migrates), then refresh.");
        }

        var environment = await target.SystemSettings.AsNoTracking().Where(s => s.Key == SystemSetting.EnvironmentKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (environment is not null && environment != nameof(TechLinkEnvironment.Sandbox))
        {
            throw new SandboxRefreshRefusedException($"Refusing to write into a database that belongs to the {environment} environment; the target must be a sandbox.");
        }

        return migrated;
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

        var environment = await source.SystemSettings.AsNoTracking().Where(s => s.Key == SystemSetting.EnvironmentKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (environment != nameof(TechLinkEnvironment.Production) && !force)
        {
            throw new SandboxRefreshRefusedException($"The source database belongs to the {environment ?? "(unrecorded)"} environment, not Production; pass --force-source to copy from it anyway.");
        }
    }

    private async Task<(Dictionary<string, int> Rows, int Files, List<string> Missing)> WriteAsync(
        TechLinkDbContext source, TechLinkDbContext target, SandboxRefreshRequest request, string? staging, DateTime dataAsOf,
        IProgress<RefreshProgress>? progress, CancellationToken ct)
    {
        var tables = SandboxTables.Of(target.Model);
        await using var tx = await target.Database.BeginTransactionAsync(ct);
        progress?.Report(new RefreshProgress("clear the copied tables"));
        foreach (var table in tables.CopiedChildrenFirst)
        {
            await (Task)Generic(nameof(ClearAsync), table).Invoke(null, [target, ct])!;
        }

        var rows = new Dictionary<string, int>();
        var storagePaths = new List<string>();
        async Task Step(string name, Func<Task<int>> write)
        {
            progress?.Report(new RefreshProgress(name));
            var count = await write();
            rows[name] = count;
            progress?.Report(new RefreshProgress(name, count));
            if (AfterTable is not null) await AfterTable(name, ct);
        }

        await Step("companies", () => UpsertCompaniesAsync(source, target, ct));
        foreach (var table in tables.CopiedParentsFirst)
        {
            await Step(SandboxTables.NameOf(table), () => (Task<int>)Generic(nameof(CopyAsync), table).Invoke(null, [source, target, storagePaths, ct])!);
        }

        progress?.Report(new RefreshProgress("fix identity sequences"));
        await request.To.Provider.AfterInsertingIdsAsync(target, tables.WithProductionIds, ct);

        var (files, missing) = (0, new List<string>());
        if (staging is not null)
        {
            progress?.Report(new RefreshProgress("files"));
            (files, missing) = await CopyFilesAsync(request.FromFiles!, staging, storagePaths, ct);
            progress?.Report(new RefreshProgress("files", files));
            if (AfterTable is not null) await AfterTable("files", ct);
        }

        await SetAsync(target, DataAsOfKey, Formats.Instant(dataAsOf), ct);
        await SetAsync(target, SystemSetting.EnvironmentKey, nameof(TechLinkEnvironment.Sandbox), ct);
        await target.SaveChangesAsync(ct);
        progress?.Report(new RefreshProgress("commit"));
        await tx.CommitAsync(ct);
        return (rows, files, missing);
    }

    private static MethodInfo Generic(string name, IEntityType table) =>
        typeof(SandboxRefresher).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(table.ClrType);

    private static Task ClearAsync<T>(TechLinkDbContext target, CancellationToken ct) where T : class =>
        target.Set<T>().ExecuteDeleteAsync(ct);

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

    /// <summary>Copies one table's rows, ids kept; notes the storage path of each copied file, whose bytes follow.</summary>
    private static async Task<int> CopyAsync<T>(TechLinkDbContext source, TechLinkDbContext target, List<string> storagePaths, CancellationToken ct) where T : class
    {
        var count = 0;
        await foreach (var row in source.Set<T>().AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            if (row is WorkOrderFile file) storagePaths.Add(file.StoragePath);
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
