using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TechLink.Data.Audit;

/// <summary>
/// Who did what and when (issue 17): written in the same transaction as the change it describes.
/// <see cref="CompanyId"/> is the company the target belongs to (null for TechLink-wide actions), and what a client sees.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public long? CompanyId { get; set; }
    public DateTime At { get; set; }
    /// <summary>The principal, e.g. <c>user:12 (jsmith)</c>, <c>api_key:4 (integration)</c>, <c>staff</c>, <c>system</c>.</summary>
    public required string Actor { get; set; }
    /// <summary>What was done, e.g. <c>webhook.created</c>, <c>webhook.secret_revealed</c>, <c>user.updated</c>.</summary>
    public required string Action { get; set; }
    public required string TargetType { get; set; }
    public required string TargetId { get; set; }
    /// <summary>A JSON object of the changed fields (<c>{"url": {"from": ..., "to": ...}}</c>), never a secret's value.</summary>
    public string? Changes { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.Property(a => a.Actor).HasMaxLength(200);
        builder.Property(a => a.Action).HasMaxLength(100);
        builder.Property(a => a.TargetType).HasMaxLength(50);
        builder.Property(a => a.TargetId).HasMaxLength(50);
        builder.HasIndex(a => new { a.CompanyId, a.At });
        builder.HasIndex(a => a.At);
    }
}
