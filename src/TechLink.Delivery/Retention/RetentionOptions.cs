using System.ComponentModel.DataAnnotations;

namespace TechLink.Delivery.Retention;

/// <summary>Settings of retention, section <c>TechLink:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "TechLink:Retention";

    /// <summary>Finished deliveries (with their attempts) created longer ago than this are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Deliveries { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Events created longer ago than this are deleted, unless one of their deliveries is still pending.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Events { get; set; } = TimeSpan.FromDays(90);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows deleted per transaction: small, so the SQLite writer (and PostgreSQL's row locks) are held briefly.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Five-minute stats buckets are read for 24 hours at most; older ones are deleted.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Stats { get; set; } = TimeSpan.FromDays(2);
}
