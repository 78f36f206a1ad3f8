using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Infrastructure;

public enum TechLinkEnvironment
{
    Sandbox,
    Production,
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class TechLinkOptions
{
    public const string SectionName = "TechLink";

    public TechLinkEnvironment Environment { get; set; } = TechLinkEnvironment.Sandbox;

    /// <summary>Base address for links we hand out; the request's own base when empty.</summary>
    public string? PublicBaseUrl { get; set; }

    [Required]
    public string DataPath { get; set; } = "./data";

    public DatabaseOptions Database { get; set; } = new();

    public BootstrapOptions Bootstrap { get; set; } = new();

    public FileOptions Files { get; set; } = new();

    public NodeOptions Node { get; set; } = new();

    public string FullDataPath => Path.GetFullPath(DataPath);
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
