using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Webhooks;

/// <summary>Settings of webhook registrations, section <c>TechLink:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "TechLink:Webhooks";

    /// <summary>
    /// Registrations one company may have; over it, creating one answers 409. Every registration receives its own POST
    /// per matching event, so this bounds what one event of one company can make the platform send.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPerCompany { get; set; } = 50;
}
