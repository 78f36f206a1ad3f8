namespace TechLink.Server.Infrastructure;

internal static class Policies
{
    /// <summary>Any authenticated caller (client or staff) — the default for /api/v1.</summary>
    public const string Api = "api";

    /// <summary>TechLink operators only.</summary>
    public const string Staff = "staff";
}
