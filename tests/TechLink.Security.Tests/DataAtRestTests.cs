using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using TechLink.Testing;

namespace TechLink.Security.Tests;

/// <summary>The server in memory on a DataPath of the test's choosing (a restart reuses it), with extra settings.</summary>
internal sealed class DataPathServer(string dataPath, string? connectionString, IReadOnlyDictionary<string, string?>? extra = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = ServerSettings.Defaults(connectionString is null ? Provider.Sqlite : Provider.Postgres, dataPath, connectionString);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
    }

    public HttpClient Staff()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerSettings.StaffKey);
        return client;
    }

    /// <summary>A company, a webhook (its secrets are what the key ring protects) and an uploaded photo: every kind of file the data folder holds.</summary>
    public async Task<(string WebhookId, string Secret)> FillAsync()
    {
        var staff = Staff();
        var company = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/companies", new { name = "At rest" }));
        var companyId = company.GetProperty("company_id").GetString();
        var webhook = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/webhooks", new { company_id = companyId, type = "work order created", url = "https://erp.example.com/hook", token = "x-token-at-rest" }));
        var site = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/sites", new { company_id = companyId, name = "Store", timezone = "UTC" }));
        var wo = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/workorders", new { company_id = companyId, site_id = site.GetProperty("site_id").GetString(), title = "At rest" }));
        using var form = new MultipartFormDataContent();
        var png = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(png, "file", "p.png");
        await ReadAsync(await staff.PostAsync(new Uri($"/api/v1/workorders/{wo.GetProperty("workorder_id").GetString()}/photos", UriKind.Relative), form));
        return (webhook.GetProperty("webhook_id").GetString()!, webhook.GetProperty("signing_secret").GetString()!);
    }

    public async Task<string> SecretAsync(string webhookId) =>
        (await ReadAsync(await Staff().GetAsync(new Uri($"/api/v1/webhooks/{webhookId}/secret", UriKind.Relative)), HttpStatusCode.OK)).GetProperty("signing_secret").GetString()!;

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary>
/// Issue 16, point 8: the data folder (SQLite database with its -wal and -shm, the key ring, stored files) is owner-only
/// on disk whatever the umask, on SQLite and PostgreSQL. The test runs the server under umask 000, where anything not
/// set explicitly would come out world-readable and world-writable.
/// </summary>
public abstract class DataFolderPermissionsTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-at-rest-" + Guid.NewGuid().ToString("N")[..12]);

    protected abstract Task<string?> ConnectionStringAsync();

    protected abstract string ProviderName { get; }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataFolder_UnderUmaskZero_IsOwnerOnly()
    {
        var connectionString = await ConnectionStringAsync();
        var previous = Umask(0);
        var wrong = new List<string>();
        var files = 0;
        try
        {
            await using var server = new DataPathServer(_dataPath, connectionString);
            await server.FillAsync();
            // Looked at while the server runs: SQLite's -wal and -shm exist only then.
            foreach (var entry in Directory.EnumerateFileSystemEntries(_dataPath, "*", SearchOption.AllDirectories).Prepend(_dataPath))
            {
                var folder = Directory.Exists(entry);
                var expected = folder ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite;
                var mode = File.GetUnixFileMode(entry);
                if (!folder) files++;
                if (mode != expected) wrong.Add($"{Path.GetRelativePath(_dataPath, entry)} {Convert.ToString((int)mode, 8)}");
            }

            var names = Directory.EnumerateFiles(_dataPath, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_dataPath, f)).ToList();
            // The key ring lives in the database (issue 13): no key files to protect on disk.
            Assert.DoesNotContain(names, n => n.StartsWith("keys" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("files" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            if (connectionString is null) Assert.Superset(new HashSet<string> { "techlink.db", "techlink.db-wal", "techlink.db-shm" }, names.ToHashSet());
        }
        finally
        {
            Umask(previous);
        }

        ReliabilityLog.Record("Hostile review, round two", $"Data folder modes under umask 000: database, -wal, -shm, stored files ({ProviderName})",
            files, wrong.Count, string.Join("; ", wrong));
        Assert.Empty(wrong);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        GC.SuppressFinalize(this);
    }

    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}

public sealed class DataFolderPermissionsSqliteTests : DataFolderPermissionsTests
{
    protected override string ProviderName => "SQLite";

    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class DataFolderPermissionsPostgresTests(PostgresFixture postgres) : DataFolderPermissionsTests
{
    protected override string ProviderName => "PostgreSQL";

    protected override async Task<string?> ConnectionStringAsync() => await postgres.Cluster.CreateDatabaseAsync("atrest");
}

/// <summary>
/// Issue 16, point 8: with <c>TechLink:DataProtection:CertificatePath</c> the key ring on disk is encrypted with the
/// certificate (no master key in clear), and secrets protected before a restart are read after it.
/// </summary>
public sealed class KeyRingCertificateTests : IDisposable
{
    private const string Password = "pfx-pass-0123";
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-keyring-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task KeyRing_WithACertificate_IsEncryptedOnDisk_AndReadAfterARestart()
    {
        var settings = Settings(WriteCertificate("CN=TechLink key encryption (test)"), Password);
        string webhookId, secret;
        await using (var first = new DataPathServer(_dataPath, null, settings))
        {
            (webhookId, secret) = await first.FillAsync();
        }

        var keys = KeyRingRows(Path.Combine(_dataPath, "techlink.db"));
        var clear = keys.Count(k => !k.Contains("encryptedSecret", StringComparison.Ordinal) || k.Contains("<value>", StringComparison.Ordinal));
        string again;
        await using (var second = new DataPathServer(_dataPath, null, settings))
        {
            again = await second.SecretAsync(webhookId);
        }

        ReliabilityLog.Record("Hostile review, round two", "Key ring with a key-encryption certificate: the keys in the database searched for a master key in clear, secret read after a restart",
            keys.Count + 1, clear + (again == secret ? 0 : 1), $"{keys.Count} key(s) in data_protection_keys, {clear} in clear; secret after restart {(again == secret ? "read" : "LOST")}");
        Assert.NotEmpty(keys);
        Assert.Equal(0, clear);
        Assert.Equal(secret, again);
    }

    [Fact]
    public void Start_WithAWrongCertificatePassword_RefusesNamingTheSetting()
    {
        using var server = new DataPathServer(_dataPath, null, Settings(WriteCertificate("CN=wrong password"), "not-the-password"));
        var error = Record.Exception(() => server.Server);
        Assert.NotNull(error);
        Assert.Contains("TechLink:DataProtection:CertificatePath", error.GetBaseException().Message + error.Message, StringComparison.Ordinal);
    }

    /// <summary>The key ring as stored: the XML of each row of <c>data_protection_keys</c>.</summary>
    internal static List<string> KeyRingRows(string sqlitePath)
    {
        using var connection = new SqliteConnection($"Data Source={sqlitePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM data_protection_keys";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }

    private static Dictionary<string, string?> Settings(string path, string password) => new()
    {
        ["TechLink:DataProtection:CertificatePath"] = path,
        ["TechLink:DataProtection:CertificatePassword"] = password,
    };

    private string WriteCertificate(string subject)
    {
        Directory.CreateDirectory(_dataPath);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_dataPath, "..", Path.GetFileName(_dataPath) + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return Path.GetFullPath(path);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        try { File.Delete(_dataPath + ".pfx"); } catch (IOException) { }
    }
}
