using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TechLink.Server.Companies;

namespace TechLink.Server.Webhooks;

/// <summary>
/// The spec's "event registration": Type, URL, Token, Enabled. Token and signing secrets are stored encrypted
/// (Data Protection); <see cref="EventTypes"/> is the frozen list for "(all current webhooks)".
/// </summary>
public sealed class WebhookRegistration
{
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

    public IReadOnlyList<string> EventTypeList => EventTypes.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public bool Matches(string eventType) => EventTypeList.Any(t => t == EventCatalog.Wildcard || t == eventType);
}

internal sealed class WebhookRegistrationConfiguration : IEntityTypeConfiguration<WebhookRegistration>
{
    public void Configure(EntityTypeBuilder<WebhookRegistration> builder)
    {
        builder.ToTable("webhook_registrations");
        builder.Property(r => r.Type).HasMaxLength(100);
        builder.Property(r => r.Url).HasMaxLength(2048);
        builder.HasOne<Company>().WithMany().HasForeignKey(r => r.CompanyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.CompanyId, r.Enabled });
    }
}
