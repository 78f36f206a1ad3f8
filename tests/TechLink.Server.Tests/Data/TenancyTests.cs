using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// Tenancy by construction (<see cref="Tenancy"/>): which entities the global filter covers, and that a context scoped to
/// a company reads that company's rows only, while an unscoped one (staff, the system) reads every company's.
/// </summary>
public abstract class TenancyTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task EveryCompanyOwnedEntity_IsFiltered()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var filtered = Tenancy.Filtered(db.Model).ToDictionary(f => f.Entity, f => f.Owner);

        Assert.Equal("Id", filtered[typeof(Company)]);
        foreach (var type in new[] { typeof(Site), typeof(WorkOrder), typeof(Note), typeof(WorkOrderFile), typeof(Question), typeof(WorkTask),
                     typeof(WebhookRegistration), typeof(WebhookReplay), typeof(User), typeof(ApiKey), typeof(AuditEntry) })
        {
            Assert.Equal("CompanyId", filtered[type]);
        }

        Assert.Equal("TenantId", filtered[typeof(OutboxMessage)]);
        Assert.Equal("TenantId", filtered[typeof(DeliveryRecord)]);
        // Every entity with a company column is covered: a new one cannot be forgotten.
        foreach (var entity in db.Model.GetEntityTypes().Where(t => t.BaseType is null && (t.FindProperty("CompanyId") ?? t.FindProperty("TenantId")) is not null))
        {
            Assert.True(filtered.ContainsKey(entity.ClrType), $"{entity.ClrType.Name} has a company column but no tenancy filter");
            Assert.NotNull(entity.GetDeclaredQueryFilters().FirstOrDefault());
        }
    }

    [Fact]
    public async Task ScopedContext_ReadsItsCompanyOnly_UnscopedReadsAll()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var a = await App.NewTenantAsync();
        var b = await App.NewTenantAsync();
        await a.CreateWebhookAsync("(any webhooks)", receiver.Url("/a"));
        await b.CreateWebhookAsync("(any webhooks)", receiver.Url("/b"));
        var siteA = (await a.CreateSiteAsync()).Str("site_id");
        var siteB = (await b.CreateSiteAsync()).Str("site_id");
        var idA = long.Parse(a.CompanyId, CultureInfo.InvariantCulture);
        var idB = long.Parse(b.CompanyId, CultureInfo.InvariantCulture);
        long[] both = [idA, idB];

        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        Assert.Equal(2, await db.Companies.CountAsync(c => both.Contains(c.Id)));
        Assert.Equal(2, await db.WebhookRegistrations.CountAsync(r => both.Contains(r.CompanyId)));

        db.CompanyScope = idA;
        Assert.Equal([idA], await db.Companies.Where(c => both.Contains(c.Id)).Select(c => c.Id).ToListAsync());
        Assert.Equal([idA], await db.Sites.Where(s => both.Contains(s.CompanyId)).Select(s => s.CompanyId).Distinct().ToListAsync());
        Assert.Equal([idA], await db.WebhookRegistrations.Where(r => both.Contains(r.CompanyId)).Select(r => r.CompanyId).ToListAsync());
        Assert.Equal([idA], await db.Events.Where(e => both.Contains(e.TenantId)).Select(e => e.TenantId).Distinct().ToListAsync());
        Assert.Null(await db.Sites.FirstOrDefaultAsync(s => s.Id == long.Parse(siteB, CultureInfo.InvariantCulture)));
        Assert.NotNull(await db.Sites.FirstOrDefaultAsync(s => s.Id == long.Parse(siteA, CultureInfo.InvariantCulture)));
        // Bulk writes are scoped too: another company's rows are out of reach.
        Assert.Equal(0, await db.Sites.Where(s => s.CompanyId == idB).ExecuteUpdateAsync(u => u.SetProperty(s => s.Name, "taken")));
        // The one read that must cross companies says so.
        Assert.Equal(2, await db.Companies.IgnoreQueryFilters().CountAsync(c => both.Contains(c.Id)));
    }
}

public sealed class TenancyTestsSqlite(AppFixture fixture) : TenancyTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class TenancyTestsPostgres(AppFixture fixture, PostgresFixture postgres) : TenancyTests(fixture, postgres), IClassFixture<AppFixture>;
