using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// A registration's health is read in two queries (its stats buckets, then its health row) while the engine writes both
/// in one transaction: a commit between the two queries must never show attempts without the health they came with.
/// </summary>
public abstract class WebhookHealthReadTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    /// <summary>Once armed, runs <paramref name="between"/> once, right after the next query of <paramref name="db"/> has run.</summary>
    private sealed class AfterFirstQuery(DbContext db, Action between) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private int _done;

        /// <summary>Whether EF Core has reported a command of <c>db</c> yet (it rechecks for listeners only now and then).</summary>
        public volatile bool Heard;

        public volatile bool Armed;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name) value.Subscribe(this);
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is not CommandExecutedEventData e || !ReferenceEquals(e.Context, db)) return;
            Heard = true;
            if (Armed && Interlocked.Exchange(ref _done, 1) == 0) between();
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    [Fact]
    public async Task EngineCommitsBetweenTheTwoQueries_AttemptsAreNeverShownWithoutTheirHealth()
    {
        var tenant = await App.NewTenantAsync();
        var company = long.Parse(tenant.CompanyId, System.Globalization.CultureInfo.InvariantCulture);
        var factory = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>();
        var registration = App.NewRegistration(company, EventCatalog.Wildcard);
        await using (var setup = factory.CreateDbContext())
        {
            setup.WebhookRegistrations.Add(registration);
            await setup.SaveChangesAsync();
        }

        var now = DateTime.UtcNow;
        // What the engine writes for one successful attempt: the health row and its stats bucket, in one transaction.
        var committed = false;
        void EngineCommits()
        {
            committed = true;
            using var engine = factory.CreateDbContext();
            engine.EndpointHealth.Add(new EndpointHealth { EndpointId = registration.Id, LastSuccessAt = now });
            engine.EndpointStats.Add(new EndpointStatsBucket { EndpointId = registration.Id, BucketStart = now.AddTicks(-(now.Ticks % TimeSpan.FromMinutes(5).Ticks)), Attempts = 1, Succeeded = 1, D0 = 1 });
            engine.SaveChanges();
        }

        await using var db = factory.CreateDbContext();
        var observer = new AfterFirstQuery(db, EngineCommits);
        using var subscription = DiagnosticListener.AllListeners.Subscribe(observer);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!observer.Heard && DateTime.UtcNow < deadline)
        {
            await db.Database.ExecuteSqlRawAsync("SELECT 1");
            await Task.Delay(50);
        }

        observer.Armed = true;
        var health = await WebhookHealth.ForAsync(db, registration, App.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value, now, CancellationToken.None);

        Assert.True(committed);
        Assert.False(health.Attempts24h > 0 && health.State == "unknown", $"{health.Attempts24h} attempts shown with health {health.State}");
    }
}

public sealed class WebhookHealthReadTestsSqlite(AppFixture fixture) : WebhookHealthReadTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WebhookHealthReadTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WebhookHealthReadTests(fixture, postgres), IClassFixture<AppFixture>;
