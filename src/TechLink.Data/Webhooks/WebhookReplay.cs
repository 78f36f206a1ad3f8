using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TechLink.Data.Webhooks;

/// <summary>
/// One replay request (<c>POST /webhooks/{id}/replay</c>): the deliveries it queued carry its id
/// (<c>DeliveryRecord.ReplayId</c>), so its progress is counted from them.
/// </summary>
public sealed class WebhookReplay
{
    public long Id { get; set; }
    public long CompanyId { get; set; }
    public long WebhookId { get; set; }
    public DateTime Since { get; set; }
    public DateTime? Until { get; set; }
    public bool OnlyFailed { get; set; }
    public int Queued { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class WebhookReplayConfiguration : IEntityTypeConfiguration<WebhookReplay>
{
    public void Configure(EntityTypeBuilder<WebhookReplay> builder)
    {
        builder.ToTable("webhook_replays");
        builder.HasIndex(r => new { r.CompanyId, r.Id });
        builder.HasIndex(r => r.WebhookId);
    }
}
