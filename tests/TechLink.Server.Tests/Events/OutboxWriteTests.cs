using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// Queued events are written by hand-written SQL inside the save's transaction (<see cref="OutboxInterceptor"/>):
/// each delivery names its own event, the rows carry what the EF entities would, and a transaction that rolls back or
/// a save that fails leaves nothing.
/// </summary>
public abstract class OutboxWriteTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private TechLinkDbContext NewDb() => App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();

    private EventOutbox Outbox => App.Services.GetRequiredService<EventOutbox>();

    private async Task<(long Company, List<long> Registrations)> CompanyWithRegistrationsAsync(int count)
    {
        var tenant = await App.NewTenantAsync();
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var created = await tenant.CreateWebhookAsync("(any webhooks)", new Uri($"http://127.0.0.1:9/r{i}"), enabled: true);
            ids.Add(long.Parse(created.Str("webhook_id"), CultureInfo.InvariantCulture));
        }

        return (long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture), ids);
    }

    [Fact]
    public async Task ManyEventsOneSave_NothingElseTracked_EachDeliveryNamesItsOwnEvent()
    {
        var (company, registrations) = await CompanyWithRegistrationsAsync(2);
        await using var db = NewDb();
        // Read back before the commit, on the same connection: the fixture's dispatcher cannot have touched them yet.
        await using var transaction = await db.Database.BeginTransactionAsync();
        for (var n = 0; n < 60; n++) await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, 1000 + n, new { n });
        Assert.Equal(60, db.Outbox.QueuedCount);
        await db.SaveChangesAsync();
        Assert.Equal(0, db.Outbox.QueuedCount);
        var events = await db.Events.AsNoTracking().Where(e => e.TenantId == company).ToListAsync();
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => d.TenantId == company).ToListAsync();
        await transaction.CommitAsync();

        Assert.Equal(60, events.Count);
        Assert.All(events, e =>
        {
            var n = JsonDocument.Parse(e.Payload).RootElement.GetProperty("n").GetInt32();
            Assert.Equal((1000 + n).ToString(CultureInfo.InvariantCulture), e.Subject);
            Assert.Equal(TechLinkEventTypes.WorkOrderNoteAdded, e.EventType);
        });
        Assert.Equal(120, deliveries.Count);
        foreach (var group in deliveries.GroupBy(d => d.EventId))
        {
            // Every event has exactly one delivery per registration, and each copy has its own webhook-id.
            Assert.Equal(registrations.Order(), group.Select(d => d.EndpointId).Order());
            Assert.Contains(group.Key, events.Select(e => e.Id));
        }

        Assert.Equal(120, deliveries.Select(d => d.WebhookMessageId).Distinct().Count());
        var byId = events.ToDictionary(e => e.Id);
        Assert.All(deliveries, d =>
        {
            Assert.Equal(DeliveryStatus.Pending, d.Status);
            Assert.Equal(0, d.AttemptCount);
            // Written unleased, or handed over to this node's dispatcher at commit (the local fast path): then leased.
            Assert.Equal(d.LeaseOwner is null, d.LeaseExpiresAt is null);
            Assert.Equal(byId[d.EventId].CreatedAt, d.CreatedAt);
            Assert.Equal(d.CreatedAt, d.NextAttemptAt);
            Assert.Equal(DateTimeKind.Utc, d.NextAttemptAt.Kind);
            Assert.StartsWith("msg_", d.WebhookMessageId, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task CallerTransactionRolledBack_WrittenAndQueuedEventsBothGone()
    {
        var (company, _) = await CompanyWithRegistrationsAsync(1);
        await using (var db = NewDb())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
            await db.SaveChangesAsync();
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 2 });
            await transaction.RollbackAsync();

            // The unsaved event went with the transaction: a later save of this context does not write it.
            await db.SaveChangesAsync();
        }

        await using var check = NewDb();
        Assert.Equal(0, await check.Events.CountAsync(e => e.TenantId == company));
        Assert.Equal(0, await check.Deliveries.CountAsync(d => d.TenantId == company));
    }

    [Fact]
    public async Task SaveAndPublishFails_ItsTransactionRolledBack_NothingWrittenAndDatabaseStillWritable()
    {
        var (company, _) = await CompanyWithRegistrationsAsync(1);
        await using (var db = NewDb())
        {
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
            // A company row with the id of an existing one: the save's own insert fails.
            db.Companies.Add(new Company { Id = company, Name = "duplicate", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveAndPublishAsync());
            Assert.Null(db.Database.CurrentTransaction);
        }

        await using (var check = NewDb())
        {
            Assert.Equal(0, await check.Events.CountAsync(e => e.TenantId == company));
        }

        // The transaction (and on SQLite the write queue) was given back: the next writer gets through.
        await using (var db = NewDb())
        {
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 2 });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await db.SaveAndPublishAsync(timeout.Token);
        }

        await using var after = NewDb();
        Assert.Equal(1, await after.Events.CountAsync(e => e.TenantId == company));
        Assert.Equal(1, await after.Deliveries.CountAsync(d => d.TenantId == company));
    }

    [Fact]
    public async Task SyncSaveChanges_InATransaction_WritesQueuedEvents()
    {
        var (company, _) = await CompanyWithRegistrationsAsync(1);
        await using (var db = NewDb())
        {
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
            using var transaction = db.Database.BeginTransaction();
            db.SaveChanges();
            transaction.Commit();
        }

        await using var check = NewDb();
        Assert.Equal(1, await check.Deliveries.CountAsync(d => d.TenantId == company));
    }

    [Fact]
    public async Task SaveOfQueuedEventsWithoutATransaction_IsRefused_NothingWritten_ThenSaveAndPublishWritesThem()
    {
        var (company, _) = await CompanyWithRegistrationsAsync(1);
        await using (var db = NewDb())
        {
            await Outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
            Assert.Contains(nameof(OutboxSaving.SaveAndPublishAsync), refused.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => db.SaveChanges());
            await using (var check = NewDb()) Assert.Equal(0, await check.Events.CountAsync(e => e.TenantId == company));

            // The events stay queued on the context: the explicit save-and-publish writes them in one transaction.
            Assert.Equal(1, db.Outbox.QueuedCount);
            await db.SaveAndPublishAsync();
            Assert.Equal(0, db.Outbox.QueuedCount);
            Assert.Null(db.Database.CurrentTransaction);
        }

        await using var after = NewDb();
        Assert.Equal(1, await after.Events.CountAsync(e => e.TenantId == company));
        Assert.Equal(1, await after.Deliveries.CountAsync(d => d.TenantId == company));
    }
}

public sealed class OutboxWriteTestsSqlite(AppFixture fixture) : OutboxWriteTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class OutboxWriteTestsPostgres(AppFixture fixture, PostgresFixture postgres) : OutboxWriteTests(fixture, postgres), IClassFixture<AppFixture>;
