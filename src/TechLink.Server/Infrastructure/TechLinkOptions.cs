using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Infrastructure;

public sealed class TechLinkOptions
{
    public const string SectionName = "TechLink";

    public TechLinkEnvironment Environment { get; set; } = TechLinkEnvironment.Sandbox;

    /// <summary>
    /// Base address for links we hand out (signed photo/document URLs, also inside stored event payloads). Required in
    /// Production; a Sandbox without it takes the request's own base, Host header included.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public DataProtectionSettings DataProtection { get; set; } = new();

    [Required]
    public string DataPath { get; set; } = "./data";

    public DatabaseOptions Database { get; set; } = new();

    public BootstrapOptions Bootstrap { get; set; } = new();

    public FileOptions Files { get; set; } = new();

    public NodeOptions Node { get; set; } = new();

    public string FullDataPath => Path.GetFullPath(DataPath);

    /// <summary>Production with an https public address: cookies never travel without TLS, whatever the proxy says.</summary>
    public bool AlwaysSecureCookies =>
        Environment == TechLinkEnvironment.Production && PublicBaseUrl?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true;
}

public sealed class ForwardedHeadersSettings
{
    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/24</c>) of the reverse proxies whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are believed. Empty: forwarded headers are ignored and the connection is the client.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];
}

public sealed class DataProtectionSettings
{
    /// <summary>A PKCS#12 (.pfx) file whose certificate encrypts the Data Protection key ring at rest; unset: keys are stored unencrypted (owner-only files).</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

public sealed class BootstrapOptions
{
    public string? StaffApiKey { get; set; }

    /// <summary>Sandbox only: create demo data on first start. Production never does.</summary>
    public bool DemoData { get; set; } = true;
}

public sealed class FileOptions
{
    /// <summary>How long a signed photo/document URL stays valid.</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;
}

public sealed class NodeOptions
{
    /// <summary><c>all</c>, <c>api</c> or <c>dispatcher</c>; several may be combined with commas.</summary>
    public string Roles { get; set; } = "all";

    public bool RunsApi => Has("api");

    public bool RunsDispatcher => Has("dispatcher");

    private bool Has(string role)
    {
        var roles = Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return roles.Any(r => r.Equals("all", StringComparison.OrdinalIgnoreCase) || r.Equals(role, StringComparison.OrdinalIgnoreCase));
    }
}
