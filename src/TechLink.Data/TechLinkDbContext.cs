using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Data.Accounts;
using TechLink.Data.Audit;
using TechLink.Data.Companies;
using TechLink.Data.Sites;
using TechLink.Data.Webhooks;
using TechLink.Data.WorkOrders;

namespace TechLink.Data;

/// <summary>
/// The one DbContext. Each provider has a thin subclass in its own assembly only so that each keeps its own migrations
/// (TechLink.Data.Sqlite, TechLink.Data.Postgres; chosen once through <see cref="DataProvider"/>); code depends on this type.
/// </summary>
public abstract class TechLinkDbContext : IdentityDbContext<User, IdentityRole<long>, long>, IDataProtectionKeyContext, IOutboxContext
{
    /// <remarks>
    /// No automatic savepoints: every unit of work runs in one transaction that commits or rolls back whole
    /// (the server's <c>CommitOnSuccessAsync</c>, <c>SaveAndPublishAsync</c>), so a savepoint per <c>SaveChanges</c> undid nothing
    /// anyone kept, and cost two statements per save and, on SQLite, a copy of every page it touched (the API profile).
    /// </remarks>
    protected TechLinkDbContext(DbContextOptions options)
        : base(options) => Database.AutoSavepointsEnabled = false;

    /// <summary>The events this unit of work queued (<c>EventOutbox</c>) and what its transaction wrote: saved by <c>SaveAndPublishAsync</c> or the caller's transaction.</summary>
    public OutboxUnit Outbox { get; } = new();

    public DbSet<Company> Companies => Set<Company>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<WorkOrder> WorkOrders => Set<WorkOrder>();
    public DbSet<WorkOrderStatusChange> WorkOrderStatusChanges => Set<WorkOrderStatusChange>();
    public DbSet<Note> Notes => Set<Note>();
    public DbSet<WorkOrderFile> Files => Set<WorkOrderFile>();
    public DbSet<Question> Questions => Set<Question>();
    public DbSet<WorkTask> Tasks => Set<WorkTask>();
    public DbSet<WebhookRegistration> WebhookRegistrations => Set<WebhookRegistration>();
    public DbSet<OutboxMessage> Events => Set<OutboxMessage>();
    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<SystemSetting> SystemSettings => Set<SystemSetting>();
    public DbSet<WebhookReplay> WebhookReplays => Set<WebhookReplay>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<EndpointHealth> EndpointHealth => Set<EndpointHealth>();
    public DbSet<EndpointStatsBucket> EndpointStats => Set<EndpointStatsBucket>();
    public DbSet<EndpointSequence> EndpointSequences => Set<EndpointSequence>();
    /// <summary>The Data Protection key ring, shared by every node of a deployment (issue 13).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// The company whose rows this context reads: a client's, for its requests (set once per request by the server's
    /// tenancy middleware); null for staff and for the system's own work (every company). Every entity that belongs to
    /// a company is filtered by it (<see cref="Tenancy"/>); a client-scoped query needs no hand-written company check.
    /// </summary>
    public long? CompanyScope { get; set; }

    /// <summary>Whether this instance is back in EF Core's pool (or disposed): its lease has been ended.</summary>
    private bool _returned;

    /// <summary>
    /// Starts a lease of a pooled instance (<see cref="LeasingDbContextFactory{T}"/>, which every lease goes through), so
    /// that its end resets it again. EF Core resets its own state (tracked entities, transaction, options, event handlers);
    /// ours was reset when the last lease ended (<see cref="EndLeaseAsync"/>), so no client's scope and nothing of the
    /// last unit of work reaches this one.
    /// </summary>
    internal void StartLease() => _returned = false;

    public override void Dispose()
    {
        if (!_returned) EndLeaseAsync(async: false).GetAwaiter().GetResult();
        _returned = true;
        base.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_returned) await EndLeaseAsync(async: true);
        _returned = true;
        await base.DisposeAsync();
    }

    /// <summary>
    /// Ends a lease with nothing left behind: no scope, an empty unit of work (the host's items disposed), and the
    /// connection closed through EF Core. A connection opened by hand (<c>OpenConnection</c>) and never closed would
    /// otherwise keep its open count into the next lease, since the pool closes it without resetting that count: the next
    /// lease would hold a connection for its whole length, and its close would bypass the interceptors (the SQLite write gate).
    /// </summary>
    private async Task EndLeaseAsync(bool async)
    {
        CompanyScope = null;
        Outbox.Reset();
        var connection = Database.GetDbConnection();
        for (var i = 0; i < 100 && connection.State != System.Data.ConnectionState.Closed; i++)
        {
            if (async) await Database.CloseConnectionAsync();
            else Database.CloseConnection();
        }
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(TechLinkDbContext).Assembly);
        DeliveryModel.Apply(builder);
        Tenancy.Apply(builder, this);
        // The FK's name dates from when EF found it by the old property name (DeliveryRecord.MessageId) while the event
        // table was still named after the DbSet; keep that name now that the property is DeliveryRecord.EventId.
        builder.Entity<DeliveryRecord>().HasOne(d => d.Message).WithMany().HasForeignKey(d => d.EventId).HasConstraintName("fk_deliveries_events_message_id");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        foreach (var type in builder.Model.GetEntityTypes().Where(t => typeof(IVersioned).IsAssignableFrom(t.ClrType)).ToList())
        {
            builder.Entity(type.ClrType).Property(nameof(IVersioned.Version)).IsConcurrencyToken();
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RaiseVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RaiseVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Each changed <see cref="IVersioned"/> row is saved with the version it was read with plus one; the UPDATE matches
    /// only while the stored version is still the one read. Only those entries are scanned for changes, not the whole
    /// tracker (a bulk unit of work may track thousands of rows).
    /// </summary>
    private void RaiseVersions()
    {
        var detect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in ChangeTracker.Entries<IVersioned>())
            {
                if (detect) entry.DetectChanges();
                if (entry.State == EntityState.Modified)
                {
                    var version = entry.Property(nameof(IVersioned.Version));
                    version.CurrentValue = (long)version.OriginalValue! + 1;
                }
            }
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    /// <summary>SQLite hands DateTimes back unspecified; everything we store is UTC.</summary>
    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
