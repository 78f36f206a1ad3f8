using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TechLink.Data.Companies;

/// <summary>
/// An API key: stored as a SHA-256 hash (the key is 32 random bytes, so a fast hash is enough), shown once.
/// A key without a company is a staff key.
/// </summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public long? CompanyId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters, to recognise a key in a list without revealing it.</summary>
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }

    public bool IsStaff => CompanyId is null;

    public static string NewKey() => "tlk_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string PrefixOf(string key) => key.Length > 10 ? key[..10] : key;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Prefix).HasMaxLength(20);
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.HasIndex(k => k.Hash).IsUnique();
        builder.HasOne<Company>().WithMany().HasForeignKey(k => k.CompanyId).OnDelete(DeleteBehavior.Cascade);
    }
}
