using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Webhooks;

/// <summary>Section <c>TechLink:Smtp</c>: where operational notices (a registration disabled) are sent from. No <see cref="Host"/>: no email.</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "TechLink:Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    [Required, EmailAddress]
    public string From { get; set; } = "techlink@localhost";

    /// <summary>Refuse to send unless the server offers STARTTLS (otherwise it is used when offered, plain when not).</summary>
    public bool RequireTls { get; set; }
}
