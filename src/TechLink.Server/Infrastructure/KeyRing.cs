using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// The Data Protection key ring (it decrypts registrations' X-Tokens and signing secrets, portal cookies and file links)
/// lives in the database, table <c>data_protection_keys</c>: every node of a deployment reads the same ring with no shared
/// volume for it. With <c>TechLink:DataProtection:CertificatePath</c> new keys are written encrypted with that
/// certificate (every node then needs the certificate). Keys an older release kept under <c>DataPath/keys</c> are
/// imported once at start-up (<see cref="ImportFileKeysAsync"/>), so what they protect stays readable.
/// </summary>
internal static partial class KeyRing
{
    /// <summary>Where releases before the database key ring kept it (still read once, for the import).</summary>
    public static string LegacyDirectory(TechLinkOptions options) => Path.Combine(options.FullDataPath, "keys");

    public static IServiceCollection AddTechLinkKeyRing(this IServiceCollection services, TechLinkOptions options)
    {
        var dataProtection = services.AddDataProtection()
            .SetApplicationName("TechLink")
            .PersistKeysToDbContext<TechLinkDbContext>();
        if (options.DataProtection.CertificatePath is { Length: > 0 })
        {
            dataProtection.ProtectKeysWithCertificate(PrivateFiles.LoadKeyEncryptionCertificate(options.DataProtection));
        }

        return services;
    }

    /// <summary>
    /// Copies each <c>key-*.xml</c> of the legacy folder that the database does not hold yet (by its file name, which is
    /// also the name the database repository gives a key), as it is: an encrypted key stays encrypted. Runs after the
    /// migrations and before anything reads the ring. Returns how many keys were imported.
    /// </summary>
    public static async Task<int> ImportFileKeysAsync(TechLinkDbContext db, string directory, ILogger logger, CancellationToken ct)
    {
        if (!Directory.Exists(directory)) return 0;
        var files = Directory.GetFiles(directory, "key-*.xml");
        if (files.Length == 0) return 0;
        var known = (await db.DataProtectionKeys.AsNoTracking().Select(k => k.FriendlyName).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var imported = 0;
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (known.Contains(name)) continue;
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = await File.ReadAllTextAsync(file, ct) });
            imported++;
        }

        if (imported > 0)
        {
            await db.SaveChangesAsync(ct);
            LogImported(logger, imported, directory);
        }

        return imported;
    }

    [LoggerMessage(EventId = LogEventIds.KeyRingImported, Level = LogLevel.Information,
        Message = "Imported {Count} Data Protection key(s) from {Directory} into the database; the folder is no longer read once its keys are there")]
    private static partial void LogImported(ILogger logger, int count, string directory);
}
