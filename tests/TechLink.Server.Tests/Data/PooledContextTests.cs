using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Delivery.Outbox;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// DbContexts come from EF Core's pool (a request no longer sets up a fresh one), so each lease must start as a new
/// instance would: no company scope of the last client, nothing queued or remembered by the last unit of work, and
/// none of its event handlers.
/// </summary>
public sealed class PooledContextTests
{
    private sealed class LeaseItem : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    /// <summary>The provider's own registration, alone: nothing else rents from the pool, so the next lease is the same instance.</summary>
    private static ServiceProvider Services(string provider)
    {
        var services = new ServiceCollection();
        DataProvider p = provider == "sqlite" ? SqliteDataProvider.Instance : PostgresDataProvider.Instance;
        // Nothing here opens a connection: the lease's state is all in memory.
        p.AddContext(services, provider == "sqlite" ? "Data Source=" + Path.Combine(Path.GetTempPath(), "pooled-" + Guid.NewGuid().ToString("N") + ".db") : "Host=127.0.0.1;Database=pooled", (_, _) => { });
        return services.BuildServiceProvider();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ContextRentedAgain_IsTheSameInstance_WithNoCompanyScopeAndAnEmptyUnitOfWork(string provider)
    {
        await using var services = Services(provider);
        var factory = services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>();
        var first = factory.CreateDbContext();
        first.CompanyScope = 42;
        var item = first.Outbox.Item(() => new LeaseItem());
        first.Outbox.Queued.Add(new PendingEvent(42, TechLinkEventTypes.WorkOrderNoteAdded, null, "{}", DateTime.UtcNow, []));
        first.Outbox.Endpoints.Add(7);
        await first.DisposeAsync();

        var second = factory.CreateDbContext();
        Assert.Same(first, second);
        Assert.Null(second.CompanyScope);
        Assert.Equal(0, second.Outbox.QueuedCount);
        Assert.Empty(second.Outbox.Endpoints);
        Assert.True(item.Disposed);
        Assert.NotSame(item, second.Outbox.Item(() => new LeaseItem()));
    }

    /// <summary>
    /// A lease that opened the connection itself and ended without closing it must not leave the next lease holding a
    /// connection for its whole length (on PostgreSQL a pooled connection per request, on SQLite a connection whose
    /// close would never reach the interceptors).
    /// </summary>
    [Fact]
    public async Task ConnectionLeftOpenByALease_NextLeaseClosesItAfterEachQuery()
    {
        await using var services = Services("sqlite");
        var factory = services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>();
        var first = factory.CreateDbContext();
        await first.Database.OpenConnectionAsync();
        await first.Database.OpenConnectionAsync();
        await first.DisposeAsync();

        var second = factory.CreateDbContext();
        Assert.Same(first, second);
        Assert.Equal(System.Data.ConnectionState.Closed, second.Database.GetDbConnection().State);
        await second.Database.ExecuteSqlRawAsync("SELECT 1");
        Assert.Equal(System.Data.ConnectionState.Closed, second.Database.GetDbConnection().State);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ContextLeasedFromTheProvidersOwnFactory_StartsWithNoCompanyScope(string provider)
    {
        await using var services = Services(provider);
        var first = services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();
        first.CompanyScope = 42;
        first.Outbox.Queued.Add(new PendingEvent(42, TechLinkEventTypes.WorkOrderNoteAdded, null, "{}", DateTime.UtcNow, []));
        await first.DisposeAsync();

        // The pool's own factory (registered by EF Core for the provider's subclass) does not go through UpcastDbContextFactory.
        var factoryType = typeof(IDbContextFactory<>).MakeGenericType(first.GetType());
        var second = (TechLinkDbContext)((dynamic)services.GetRequiredService(factoryType)).CreateDbContext();
        Assert.Same(first, second);
        Assert.Null(second.CompanyScope);
        Assert.Equal(0, second.Outbox.QueuedCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RequestScopedContext_NextRequestGetsItWithoutTheLastClientsScope(string provider)
    {
        await using var services = Services(provider);
        TechLinkDbContext first;
        await using (var scope = services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            first.CompanyScope = 42;
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var second = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            Assert.Same(first, second);
            Assert.Null(second.CompanyScope);
        }
    }
}

/// <summary>
/// <see cref="EventOutbox"/> keeps what it read in the unit of work (<see cref="OutboxUnit.Item{T}"/>) and watches the
/// context through event handlers: a new lease (<see cref="OutboxUnit.Reset"/>) reads the registrations again and
/// leaves no handler of the last lease behind.
/// </summary>
public sealed class PooledContextOutboxTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    private static int SavedChangesHandlers(DbContext db) =>
        (typeof(DbContext).GetField(nameof(DbContext.SavedChanges), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .GetValue(db) as Delegate)?.GetInvocationList().Length ?? 0;

    [Fact]
    public async Task NewLease_ReadsRegistrationsAgain_AndKeepsOneSetOfHandlers()
    {
        var tenant = await App.NewTenantAsync();
        var company = long.Parse(tenant.CompanyId, System.Globalization.CultureInfo.InvariantCulture);
        var outbox = App.Services.GetRequiredService<EventOutbox>();
        var factory = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>();
        await using var db = factory.CreateDbContext();
        var before = SavedChangesHandlers(db);
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 1 });
        Assert.Equal(before + 1, SavedChangesHandlers(db));

        // Committed by another context while this one remembers "no registrations".
        await using (var other = factory.CreateDbContext())
        {
            other.WebhookRegistrations.Add(App.NewRegistration(company, EventCatalog.Wildcard));
            await other.SaveChangesAsync();
        }

        db.Outbox.Reset();
        Assert.Equal(before, SavedChangesHandlers(db));
        await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, new { n = 2 });
        Assert.Equal(before + 1, SavedChangesHandlers(db));
        await db.SaveAndPublishAsync();
        Assert.Equal(1, await db.Deliveries.CountAsync(d => d.TenantId == company));
    }
}
