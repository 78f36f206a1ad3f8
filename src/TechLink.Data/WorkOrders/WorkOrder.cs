using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TechLink.Data.Companies;
using TechLink.Data.Sites;

namespace TechLink.Data.WorkOrders;

public sealed class WorkOrder : IVersioned
{
    public long Id { get; set; }
    public long CompanyId { get; set; }
    public long SiteId { get; set; }
    public Site? Site { get; set; }
    public string ClientReference { get; set; } = "";
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public string Priority { get; set; } = "normal";
    public int StatusCode { get; set; } = WorkOrderStatuses.Created;
    /// <summary>The install time as an instant; shown in the site's local time.</summary>
    public DateTime? ScheduledStart { get; set; }
    public string PlannedTechName { get; set; } = "";
    public string PlannedTechPhone { get; set; } = "";
    public string TechName { get; set; } = "";
    public string TechPhone { get; set; } = "";
    public DateTime? CheckInAt { get; set; }
    public DateTime? CheckOutAt { get; set; }
    public string? CheckOutDisposition { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Version { get; set; }

    public static readonly string[] Priorities = ["low", "normal", "high", "urgent"];
}

/// <summary>One step of a work order's status timeline.</summary>
public sealed class WorkOrderStatusChange
{
    public long Id { get; set; }
    public long WorkOrderId { get; set; }
    public int? OldStatusCode { get; set; }
    public int NewStatusCode { get; set; }
    public string ChangedBy { get; set; } = "";
    public DateTime ChangedAt { get; set; }
}

public sealed class Note
{
    public long Id { get; set; }
    public long WorkOrderId { get; set; }
    public long CompanyId { get; set; }
    /// <summary>Kept exactly as given: it may hold HTML. The portal sanitizes when it renders.</summary>
    public required string Content { get; set; }
    public string Author { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

public enum FileKind
{
    Photo = 1,
    CloseOutDocument = 2,
    ClientDocument = 3,
}

/// <summary>A photo or document; the bytes live under DataPath, this row knows where.</summary>
public sealed class WorkOrderFile
{
    public long Id { get; set; }
    public long WorkOrderId { get; set; }
    public long CompanyId { get; set; }
    public FileKind Kind { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long SizeBytes { get; set; }
    public string Caption { get; set; } = "";
    /// <summary>Path relative to DataPath/files.</summary>
    public required string StoragePath { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class Question : IVersioned
{
    public long Id { get; set; }
    public long WorkOrderId { get; set; }
    public long CompanyId { get; set; }
    public required string Text { get; set; }
    public string? Answer { get; set; }
    public string? AnsweredBy { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public long Version { get; set; }
}

public sealed class WorkTask : IVersioned
{
    public long Id { get; set; }
    public long WorkOrderId { get; set; }
    public long CompanyId { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public DateTime? Due { get; set; }
    public string Status { get; set; } = "open";
    public DateTime? CompletedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Version { get; set; }

    public static readonly string[] Statuses = ["open", "completed"];
}

internal sealed class WorkOrderConfiguration :
    IEntityTypeConfiguration<WorkOrder>, IEntityTypeConfiguration<WorkOrderStatusChange>, IEntityTypeConfiguration<Note>,
    IEntityTypeConfiguration<WorkOrderFile>, IEntityTypeConfiguration<Question>, IEntityTypeConfiguration<WorkTask>
{
    public void Configure(EntityTypeBuilder<WorkOrder> builder)
    {
        builder.ToTable("work_orders");
        builder.Property(w => w.Title).HasMaxLength(300);
        builder.Property(w => w.ClientReference).HasMaxLength(100);
        builder.Property(w => w.Priority).HasMaxLength(20);
        builder.HasOne<Company>().WithMany().HasForeignKey(w => w.CompanyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(w => w.Site).WithMany().HasForeignKey(w => w.SiteId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(w => new { w.CompanyId, w.Id });
        builder.HasIndex(w => new { w.CompanyId, w.StatusCode });
        builder.HasIndex(w => new { w.CompanyId, w.UpdatedAt });
    }

    public void Configure(EntityTypeBuilder<WorkOrderStatusChange> builder)
    {
        builder.ToTable("work_order_status_changes");
        builder.HasOne<WorkOrder>().WithMany().HasForeignKey(c => c.WorkOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.WorkOrderId, c.Id });
    }

    public void Configure(EntityTypeBuilder<Note> builder)
    {
        builder.ToTable("work_order_notes");
        builder.HasOne<WorkOrder>().WithMany().HasForeignKey(n => n.WorkOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(n => new { n.WorkOrderId, n.Id });
    }

    public void Configure(EntityTypeBuilder<WorkOrderFile> builder)
    {
        builder.ToTable("work_order_files");
        builder.Property(f => f.Kind).HasConversion<int>();
        builder.Property(f => f.FileName).HasMaxLength(255);
        builder.Property(f => f.ContentType).HasMaxLength(100);
        builder.HasOne<WorkOrder>().WithMany().HasForeignKey(f => f.WorkOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(f => new { f.WorkOrderId, f.Kind, f.Id });
    }

    public void Configure(EntityTypeBuilder<Question> builder)
    {
        builder.ToTable("work_order_questions");
        builder.HasOne<WorkOrder>().WithMany().HasForeignKey(q => q.WorkOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(q => new { q.WorkOrderId, q.Id });
    }

    public void Configure(EntityTypeBuilder<WorkTask> builder)
    {
        builder.ToTable("work_order_tasks");
        builder.Property(t => t.Title).HasMaxLength(300);
        builder.Property(t => t.Status).HasMaxLength(20);
        builder.HasOne<WorkOrder>().WithMany().HasForeignKey(t => t.WorkOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => new { t.WorkOrderId, t.Id });
    }
}
