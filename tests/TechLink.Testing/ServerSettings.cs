namespace TechLink.Testing;

public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The settings every test server starts with, in process (<c>TechLinkApp</c>) or as a child process
/// (<see cref="ServerProcess"/>): a temp DataPath, a known staff key, deliveries allowed to loopback and short retry delays.
/// </summary>
public static class ServerSettings
{
    public const string StaffKey = "tlk_test_staff_key_0123456789abcdefghijklmnop";

    public static Dictionary<string, string?> Defaults(Provider provider, string dataPath, string? connectionString)
    {
        var settings = new Dictionary<string, string?>
        {
            ["TechLink:DataPath"] = dataPath,
            ["TechLink:Database:Provider"] = provider.ToString(),
            ["TechLink:Bootstrap:StaffApiKey"] = StaffKey,
            ["TechLink:Bootstrap:DemoData"] = "false",
            ["TechLink:Environment"] = "Sandbox",
            ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
            ["TechLink:Delivery:RetryDelayMin"] = "00:00:00.200",
            ["TechLink:Delivery:RetryDelayMax"] = "00:00:00.300",
            ["TechLink:Delivery:Timeout"] = "00:00:05",
            ["TechLink:Delivery:Lease"] = "00:00:25",
            ["TechLink:Delivery:IdlePollInterval"] = "00:00:01",
            ["TechLink:Files:MaxUploadBytes"] = "4096",
            ["TechLink:Node:Roles"] = "all",
            // The load campaigns send 10,000 notes through one staff key in about two minutes, close to the default
            // 6000 per minute; the per-key limit has tests of its own (ApiRateLimitTests) that set it low.
            ["TechLink:RateLimit:ApiPerKeyPerMinute"] = "1000000",
        };
        if (connectionString is not null) settings["ConnectionStrings:TechLink"] = connectionString;
        return settings;
    }
}
