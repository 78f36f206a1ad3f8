using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Companies;
using TechLink.Server.Demo;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Data;

/// <summary>
/// Start-up work, in order: the provider's preparation (WAL for SQLite), apply migrations, import a key ring an older release kept on disk, record which environment the database
/// belongs to (and refuse a database of the other one), ensure the bootstrap staff key, seed the sandbox demo.
/// </summary>
internal sealed partial class DatabaseInitializer(
    IDbContextFactory<TechLinkDbContext> contexts,
    DataProvider provider,
    IOptions<TechLinkOptions> options,
    DemoData demo,
    TimeProvider clock,
    ILogger<DatabaseInitializer> logger)
{
    public const string EnvironmentKey = SystemSetting.EnvironmentKey;

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var db = contexts.CreateDbContext();
        await provider.BeforeMigrateAsync(db, ct);
        await db.Database.MigrateAsync(ct);
        await KeyRing.ImportFileKeysAsync(db, KeyRing.LegacyDirectory(options.Value), logger, ct);
        await ClaimEnvironmentAsync(db, ct);
        await EnsureStaffKeyAsync(db, ct);
        if (options.Value.Environment == TechLinkEnvironment.Sandbox && options.Value.Bootstrap.DemoData)
        {
            await demo.SeedIfEmptyAsync(db, ct);
        }
    }

    private async Task ClaimEnvironmentAsync(TechLinkDbContext db, CancellationToken ct)
    {
        var mine = options.Value.Environment.ToString();
        var recorded = await db.SystemSettings.FirstOrDefaultAsync(s => s.Key == EnvironmentKey, ct);
        if (recorded is null)
        {
            db.SystemSettings.Add(new SystemSetting { Key = EnvironmentKey, Value = mine });
            await db.SaveChangesAsync(ct);
        }
        else if (recorded.Value != mine)
        {
            throw new InvalidOperationException($"This database belongs to the {recorded.Value} environment; this server is configured as {mine}. Refusing to start.");
        }
    }

    private async Task EnsureStaffKeyAsync(TechLinkDbContext db, CancellationToken ct)
    {
        if (options.Value.Bootstrap.StaffApiKey is not { Length: > 0 } key) return;
        var hash = ApiKey.HashOf(key);
        var existing = await db.ApiKeys.FirstOrDefaultAsync(k => k.Hash == hash, ct);
        if (existing is not null)
        {
            existing.RevokedAt = null;
            existing.CompanyId = null;
        }
        else
        {
            db.ApiKeys.Add(new ApiKey { Name = "bootstrap staff key", Prefix = ApiKey.PrefixOf(key), Hash = hash, CreatedAt = Formats.Now(clock) });
            LogBootstrapKey(logger);
        }

        await db.SaveChangesAsync(ct);
    }

    [LoggerMessage(EventId = LogEventIds.BootstrapStaffKeyCreated, Level = LogLevel.Information, Message = "Created the bootstrap staff API key from TechLink:Bootstrap:StaffApiKey")]
    private static partial void LogBootstrapKey(ILogger logger);
}
