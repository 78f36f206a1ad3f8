using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Portal;

/// <summary>
/// Settings of the portal, section <c>TechLink:Portal</c>: the login throttle
/// (<c>TechLink:Portal:LoginAttemptsPerUser</c>, <c>TechLink:Portal:LoginAttemptsPerAddress</c>, <c>TechLink:Portal:LoginWindow</c>).
/// </summary>
public sealed class PortalOptions
{
    public const string SectionName = "TechLink:Portal";

    /// <summary>Login attempts one username may make from one client address in a window.</summary>
    [Range(1, 100_000)]
    public int LoginAttemptsPerUser { get; set; } = 10;

    /// <summary>Login attempts one client address may make in a window, whatever the usernames.</summary>
    [Range(1, 1_000_000)]
    public int LoginAttemptsPerAddress { get; set; } = 50;

    /// <summary>The fixed window both limits count in; a refused attempt is told to wait up to this long (Retry-After).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);
}
