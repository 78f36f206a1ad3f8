using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TechLink.Data.Companies;

namespace TechLink.Data.Webhooks;

/// <summary>
/// The spec's "event registration": Type, URL, Token, Enabled. Token and signing secrets are stored encrypted
/// (Data Protection); <see cref="EventTypes"/> is the frozen list for "(all current webhooks)".
/// </summary>
public sealed class WebhookRegistration
{
    /// <summary>The <see cref="EventTypes"/> entry for "(any webhooks)".</summary>
    public const string AnyEventType = "*";

    public long Id { get; set; }
    public long CompanyId { get; set; }
    public required string Type { get; set; }
    /// <summary>Newline-separated list; "*" for "(any webhooks)".</summary>
    public required string EventTypes { get; set; }
    public required string Url { get; set; }
    public string? TokenProtected { get; set; }
    public bool Enabled { get; set; } = true;
    public required string SecretProtected { get; set; }
    /// <summary>The secret replaced by the last rotation; keeps signing until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretProtected { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>The client's own label for the endpoint (up to 200 characters).</summary>
    public string? Description { get; set; }
    /// <summary>Paused: deliveries are kept pending with no attempt made or counted, and sent oldest first on resume.</summary>
    public bool Paused { get; set; }
    /// <summary>Why the registration was disabled (auto-disable, or by whom), with <see cref="DisabledAt"/>.</summary>
    public string? DisabledReason { get; set; }
    public DateTime? DisabledAt { get; set; }
    /// <summary>When the URL, token or signing secret last changed, for <c>auth_rejected_after_change</c>.</summary>
    public DateTime? CredentialsChangedAt { get; set; }

    public IReadOnlyList<string> EventTypeList => EventTypes.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public bool Matches(string eventType) => EventTypeList.Any(t => t == AnyEventType || t == eventType);
}

internal sealed class WebhookRegistrationConfiguration : IEntityTypeConfiguration<WebhookRegistration>
{
    public void Configure(EntityTypeBuilder<WebhookRegistration> builder)
    {
        builder.ToTable("webhook_registrations");
        builder.Property(r => r.Type).HasMaxLength(100);
        builder.Property(r => r.Url).HasMaxLength(2048);
        builder.Property(r => r.Description).HasMaxLength(200);
        builder.Property(r => r.DisabledReason).HasMaxLength(500);
        builder.HasOne<Company>().WithMany().HasForeignKey(r => r.CompanyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.CompanyId, r.Enabled });
    }
}
