using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>The dispatcher's view of registrations: a batch is loaded in one read and answered from it.</summary>
public abstract class EndpointDirectoryTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task Prefetch_ManyRegistrations_ThenFindAnswersEachWithoutReadingAgain()
    {
        var tenant = await App.NewTenantAsync();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var created = await tenant.CreateWebhookAsync("(any webhooks)", new Uri($"http://127.0.0.1:9/hook{i}"), token: $"token-{i}");
            ids.Add(long.Parse(created.Str("webhook_id"), System.Globalization.CultureInfo.InvariantCulture));
        }

        // A fresh directory (the app's own may have cached some already) on a clock that stands still, so its cache
        // cannot run out however slow the machine is; one missing id among them.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = ActivatorUtilities.CreateInstance<EndpointDirectory>(App.Services, (TimeProvider)clock);
        await ((IEndpointDirectory)directory).PrefetchAsync([.. ids, 987_654_321], default);

        // Deleted behind its back: within the cache time the prefetched answers stand, which proves they came from the batch read.
        await using (var db = App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext())
        {
            await db.WebhookRegistrations.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync();
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var target = await directory.FindAsync(ids[i], default);
            Assert.NotNull(target);
            Assert.Equal(new Uri($"http://127.0.0.1:9/hook{i}"), target.Url);
            Assert.Equal($"token-{i}", target.Token);
            Assert.StartsWith("whsec_", Assert.Single(target.SigningSecrets), StringComparison.Ordinal);
        }

        Assert.Null(await directory.FindAsync(987_654_321, default));

        // Once the cache time has passed, the deletion shows.
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(await directory.FindAsync(ids[0], default));
    }

    /// <summary>
    /// Over many registrations the cache holds many entries, and dropping the expired ones walks all of them: that
    /// happens at most once per cache time, not on every prefetch (it was 4% of a 10,000-registration drain's CPU).
    /// </summary>
    [Fact]
    public async Task Prefetch_BeyondTheCacheBound_SweepsExpiredEntriesAtMostOncePerCacheTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = ActivatorUtilities.CreateInstance<EndpointDirectory>(App.Services, (TimeProvider)clock);
        // Ids no registration has: each is cached as "none", which is all a sweep looks at.
        static long[] Ids(long from) => [.. Enumerable.Range(0, EndpointDirectory.MaxCached + 1).Select(i => 900_000_000 + from + i)];

        // The second prefetch finds more than the bound cached and sweeps (nothing has expired yet).
        await directory.PrefetchAsync(Ids(0), default);
        clock.Advance(TimeSpan.FromSeconds(1));
        await directory.PrefetchAsync(Ids(100_000), default);
        Assert.Equal(2 * (EndpointDirectory.MaxCached + 1), directory.CachedCount);

        // The first batch has expired, but the last sweep was less than a cache time ago: nothing is walked.
        clock.Advance(TimeSpan.FromSeconds(1.5));
        await directory.PrefetchAsync([1], default);
        Assert.Equal((2 * (EndpointDirectory.MaxCached + 1)) + 1, directory.CachedCount);

        // A cache time after that sweep, the next one drops both expired batches and keeps the fresh entries.
        clock.Advance(TimeSpan.FromSeconds(0.6));
        await directory.PrefetchAsync([2], default);
        Assert.Equal(2, directory.CachedCount);
    }
}

public sealed class EndpointDirectoryTestsSqlite(AppFixture fixture) : EndpointDirectoryTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class EndpointDirectoryTestsPostgres(AppFixture fixture, PostgresFixture postgres) : EndpointDirectoryTests(fixture, postgres), IClassFixture<AppFixture>;
