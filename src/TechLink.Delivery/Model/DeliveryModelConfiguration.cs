using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TechLink.Delivery.Model;

/// <summary>The engine's tables. The host's DbContext applies these with <see cref="DeliveryModel.Apply"/>.</summary>
public static class DeliveryModel
{
    public static ModelBuilder Apply(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new OutboxMessageConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryRecordConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryAttemptConfiguration());
        modelBuilder.ApplyConfiguration(new EndpointHealthConfiguration());
        modelBuilder.ApplyConfiguration(new EndpointStatsBucketConfiguration());
        modelBuilder.ApplyConfiguration(new EndpointSequenceConfiguration());
        modelBuilder.ApplyConfiguration(new IdMarkConfiguration());
        return modelBuilder;
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.EventType).HasMaxLength(100);
        builder.Property(m => m.Subject).HasMaxLength(100);
        builder.HasIndex(m => new { m.TenantId, m.Id });
        builder.HasIndex(m => new { m.TenantId, m.Subject });
        builder.Property(m => m.SubjectKey).HasMaxLength(100);
        builder.Property(m => m.TraceParent).HasMaxLength(100);
        // No index holds created_at: every index is written at each insert, the hot path. A replay's range reads
        // (tenant_id, id) from an IdMark's floor, and retention walks the primary key up to one.
    }
}

internal sealed class DeliveryRecordConfiguration : IEntityTypeConfiguration<DeliveryRecord>
{
    private const string StatusColumn = "status";

    /// <summary>Npgsql's annotation for a table's <c>fillfactor</c> (what its <c>HasFillFactor</c> sets).</summary>
    private const string PostgresFillFactor = "Npgsql:StorageParameter:fillfactor";

    /// <summary>The filter of the claim indexes: pending rows only, the status as a literal.</summary>
    private static readonly string PendingOnly = $"{StatusColumn} = {(int)DeliveryStatus.Pending}";

    public void Configure(EntityTypeBuilder<DeliveryRecord> builder)
    {
        builder.ToTable("deliveries");
        builder.HasKey(d => d.Id);
        // A claim writes only the lease, which no index holds: on PostgreSQL that is a HOT update (no index entries, a
        // third of the WAL) when the row's page has room for the new version, so pages are filled only half at insert.
        // SQLite ignores the annotation (Npgsql's name for a table's storage parameter).
        builder.HasAnnotation(PostgresFillFactor, 50);
        // The C# names say what the ids are (DeliveryRecord's remarks); the columns keep their names.
        builder.Property(d => d.EventId).HasColumnName("message_id");
        builder.Property(d => d.WebhookMessageId).HasColumnName("webhook_id").HasMaxLength(64);
        builder.Property(d => d.LeaseOwner).HasMaxLength(100);
        // Named here, not by the host's naming convention, because the index filters below name them in SQL.
        builder.Property(d => d.Status).HasConversion<int>().HasColumnName(StatusColumn);
        builder.Property(d => d.RedeliveryOfId).HasColumnName("redelivery_of_id");
        builder.Property(d => d.ReplayId).HasColumnName("replay_id");
        builder.HasOne(d => d.Message).WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        // Every row version costs an entry in each index it belongs to (PostgreSQL writes one per index for each UPDATE
        // that is not HOT), so the indexes that only some rows need hold only those rows. The claims walk these two:
        // pending work by due time, of all endpoints or of one (postponing a not-answering endpoint's due rows too).
        // Only pending rows are in them, so a row that ends leaves them and a delivered backlog is never walked; a query
        // uses them only when it says `status = 0` as a literal (DeliveryTables.IsPending), not as a parameter.
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt }).HasFilter(PendingOnly);
        builder.HasIndex(d => new { d.TenantId, d.Id });
        builder.HasIndex(d => new { d.EndpointId, d.Id });
        builder.HasIndex(d => new { d.EndpointId, d.Status, d.NextAttemptAt }).HasFilter(PendingOnly);
        // Redeliveries and replays are rare: the rows that are neither are in neither index.
        builder.HasIndex(d => d.RedeliveryOfId).HasFilter("redelivery_of_id IS NOT NULL");
        builder.HasIndex(d => d.ReplayId).HasFilter("replay_id IS NOT NULL");
        // No index holds created_at (see OutboxMessageConfiguration): the log's `since` and a replay's range read
        // (tenant_id, id) or (endpoint_id, id) from an IdMark's floor, and retention walks the primary key up to one.
    }
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.ToTable("delivery_attempts");
        builder.HasKey(a => a.Id);
        builder.HasIndex(a => new { a.DeliveryId, a.Attempt });
        // No index on started_at: every attempt would write it, and the portal's charts read the endpoints' stats buckets.
    }
}

internal sealed class EndpointHealthConfiguration : IEntityTypeConfiguration<EndpointHealth>
{
    public void Configure(EntityTypeBuilder<EndpointHealth> builder)
    {
        builder.ToTable("endpoint_health");
        builder.HasKey(h => h.EndpointId);
        builder.Property(h => h.EndpointId).ValueGeneratedNever();
    }
}

internal sealed class EndpointStatsBucketConfiguration : IEntityTypeConfiguration<EndpointStatsBucket>
{
    public void Configure(EntityTypeBuilder<EndpointStatsBucket> builder)
    {
        builder.ToTable("endpoint_stats");
        builder.HasKey(b => new { b.EndpointId, b.BucketStart });
        builder.HasIndex(b => b.BucketStart);
    }
}

internal sealed class EndpointSequenceConfiguration : IEntityTypeConfiguration<EndpointSequence>
{
    public void Configure(EntityTypeBuilder<EndpointSequence> builder)
    {
        builder.ToTable("endpoint_sequences");
        builder.HasKey(q => new { q.EndpointId, q.SubjectKey });
        builder.Property(q => q.SubjectKey).HasMaxLength(100);
    }
}

internal sealed class IdMarkConfiguration : IEntityTypeConfiguration<IdMark>
{
    public void Configure(EntityTypeBuilder<IdMark> builder)
    {
        builder.ToTable("id_marks");
        builder.HasKey(m => m.Id);
        builder.HasIndex(m => m.RecordedAt);
    }
}
