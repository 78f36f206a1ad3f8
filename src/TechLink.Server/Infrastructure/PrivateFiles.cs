using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// The data folder holds the SQLite database, stored files and the Data Protection key ring: on Unix its folders are
/// 0700 and its files 0600, set explicitly after creating them so that the process's umask does not matter.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and its missing parents) owner-only, and makes an existing one owner-only.</summary>
    public static void CreateDirectory(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path, OwnerFolder);
            Restrict(path, OwnerFolder);
        }
        else
        {
            Directory.CreateDirectory(path);
        }
    }

    /// <summary>A new file only its owner can read, for writing.</summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerFile;
        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows()) Restrict(path, OwnerFile);
        return stream;
    }

    /// <summary>
    /// Before SQLite opens it: the database file exists and is owner-only (SQLite gives its -wal, -shm and -journal
    /// files the database file's permissions), and files left by an older version are made owner-only as well.
    /// </summary>
    public static void PrepareSqlite(string databasePath)
    {
        if (OperatingSystem.IsWindows() || databasePath.Length == 0 || databasePath == ":memory:") return;
        if (Path.GetDirectoryName(Path.GetFullPath(databasePath)) is { } folder) Directory.CreateDirectory(folder);
        if (!File.Exists(databasePath)) Create(databasePath).Dispose();
        foreach (var file in new[] { databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + "-journal" })
        {
            if (File.Exists(file)) Restrict(file, OwnerFile);
        }
    }

    /// <summary>The key ring's key-encryption certificate, with a message that names the setting when it cannot be used.</summary>
    public static X509Certificate2 LoadKeyEncryptionCertificate(DataProtectionSettings settings)
    {
        var path = settings.CertificatePath!;
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            return certificate.HasPrivateKey
                ? certificate
                : throw new InvalidOperationException($"TechLink:DataProtection:CertificatePath '{path}' holds no private key: the key ring could be encrypted but never read again.");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"TechLink:DataProtection:CertificatePath '{path}' could not be loaded (check the file and TechLink:DataProtection:CertificatePassword): {e.Message}", e);
        }
    }

    /// <summary>A folder or file the process does not own (a mounted volume) keeps its mode: that one is the operator's to set.</summary>
    private static void Restrict(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if (File.GetUnixFileMode(path) != mode) File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
