using TechLink.Delivery.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// <see cref="EventOutbox"/> reads a company's registrations once per unit of work: a registration added or saved
/// in that same DbContext is still seen by the next event, and another DbContext sees what was committed.
/// </summary>
public abstract class OutboxRegistrationCacheTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private async Task<(long Company, TechLinkDbContext Db, EventOutbox Outbox)> ArrangeAsync()
    {
        var tenant = await App.NewTenantAsync();
        var db = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();
        return (long.Parse(tenant.CompanyId, System.Globalization.CultureInfo.InvariantCulture), db, App.Services.GetRequiredService<EventOutbox>());
    }

    [Fact]
    public async Task ManyEventsInOneUnitOfWork_RegistrationSavedBetween_LaterEventsDeliveredToIt()
    {
        var (company, db, outbox) = await ArrangeAsync();
        await using var _ = db;
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 2 });

        // Saved by this same DbContext after its registrations were remembered: the next events see it.
        db.WebhookRegistrations.Add(App.NewRegistration(company, EventCatalog.Wildcard));
        await db.SaveAndPublishAsync();
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 3 });
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 4 });
        await db.SaveAndPublishAsync();
        Assert.Equal(4, await db.Events.CountAsync(e => e.TenantId == company));
        Assert.Equal(2, await db.Deliveries.CountAsync(d => d.TenantId == company));
    }

    [Fact]
    public async Task RegistrationCommittedElsewhere_AfterThisUnitOfWorkSaved_IsSeen()
    {
        var (company, db, outbox) = await ArrangeAsync();
        await using var _ = db;
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
        await db.SaveAndPublishAsync();
        await using (var other = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext())
        {
            other.WebhookRegistrations.Add(App.NewRegistration(company, TechLinkEventTypes.WorkOrderNoteAdded));
            await other.SaveChangesAsync();
        }

        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 2 });
        await db.SaveAndPublishAsync();
        Assert.Equal(1, await db.Deliveries.CountAsync(d => d.TenantId == company));
    }
}

public sealed class OutboxRegistrationCacheTestsSqlite(AppFixture fixture) : OutboxRegistrationCacheTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class OutboxRegistrationCacheTestsPostgres(AppFixture fixture, PostgresFixture postgres) : OutboxRegistrationCacheTests(fixture, postgres), IClassFixture<AppFixture>;
