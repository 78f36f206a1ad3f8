using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TechLink.Data;

/// <summary>Facts a database keeps about itself (which environment it belongs to, when the sandbox was refreshed).</summary>
public sealed class SystemSetting
{
    /// <summary>The environment (<see cref="TechLinkEnvironment"/>) the database belongs to, recorded at first start.</summary>
    public const string EnvironmentKey = "environment";

    public required string Key { get; set; }
    public required string Value { get; set; }
}

internal sealed class SystemSettingConfiguration : IEntityTypeConfiguration<SystemSetting>
{
    public void Configure(EntityTypeBuilder<SystemSetting> builder)
    {
        builder.ToTable("system_settings");
        builder.HasKey(s => s.Key);
        builder.Property(s => s.Key).HasMaxLength(100);
    }
}
