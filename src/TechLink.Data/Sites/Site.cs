using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TechLink.Data.Companies;

namespace TechLink.Data.Sites;

public sealed class Site : IVersioned
{
    public long Id { get; set; }
    public long CompanyId { get; set; }
    public required string Name { get; set; }
    public string SiteNumber { get; set; } = "";
    public string Address1 { get; set; } = "";
    public string Address2 { get; set; } = "";
    public string City { get; set; } = "";
    public string State { get; set; } = "";
    public string PostalCode { get; set; } = "";
    public string Country { get; set; } = "";
    public string Phone { get; set; } = "";
    public string ContactName { get; set; } = "";
    /// <summary>IANA time zone id (validated against tzdb).</summary>
    public required string TimeZone { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Version { get; set; }
}

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> builder)
    {
        builder.ToTable("sites");
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.TimeZone).HasMaxLength(64);
        builder.HasOne<Company>().WithMany().HasForeignKey(s => s.CompanyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.CompanyId, s.Id });
    }
}
