using TechLink.Delivery.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>Stands in for the host's DbContext: the engine's tables, snake_case, instants read back as UTC.</summary>
public sealed class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options), IOutboxContext
{
    public OutboxUnit Outbox { get; } = new();

    public DbSet<OutboxMessage> Messages => Set<OutboxMessage>();
    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();
    public DbSet<DeliveryAttempt> Attempts => Set<DeliveryAttempt>();
    public DbSet<EndpointHealth> Health => Set<EndpointHealth>();
    public DbSet<EndpointStatsBucket> Stats => Set<EndpointStatsBucket>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => DeliveryModel.Apply(modelBuilder);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
