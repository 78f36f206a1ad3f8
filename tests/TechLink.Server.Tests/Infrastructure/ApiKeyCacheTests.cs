using Microsoft.Extensions.Time.Testing;
using TechLink.Server.Companies;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>Valid API keys kept briefly by hash: served within the cache time, never past it, and forgotten on a revocation.</summary>
public sealed class ApiKeyCacheTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2040, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private static ApiKey Key(string secret, long? companyId = 7) => new()
    {
        Id = 42, CompanyId = companyId, Name = "integration", Prefix = ApiKey.PrefixOf(secret), Hash = ApiKey.HashOf(secret),
        LastUsedAt = new DateTime(2040, 1, 1, 11, 0, 0, DateTimeKind.Utc),
    };

    [Fact]
    public void Find_WithinCacheFor_AnswersTheKeyAndAfterItReadsAgain()
    {
        var cache = new ApiKeyCache(_clock);
        var key = Key("tlk_client_key");
        cache.Remember(key, cache.Generation);

        _clock.Advance(ApiKeyCache.CacheFor - TimeSpan.FromMilliseconds(1));
        var found = cache.Find(key.Hash);
        Assert.NotNull(found);
        Assert.Equal((42L, 7L, false, "integration"), (found.Id, found.CompanyId!.Value, found.IsStaff, found.Name));
        Assert.Equal(key.LastUsedAt, found.LastUsedAt);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(cache.Find(key.Hash));
    }

    [Fact]
    public void Find_UnknownHash_AnswersNull()
    {
        var cache = new ApiKeyCache(_clock);
        cache.Remember(Key("tlk_one"), cache.Generation);
        Assert.Null(cache.Find(ApiKey.HashOf("tlk_other")));
    }

    [Fact]
    public void Forget_AfterRemember_DropsEveryKey()
    {
        var cache = new ApiKeyCache(_clock);
        var staff = Key("tlk_staff", companyId: null);
        var client = Key("tlk_client");
        cache.Remember(staff, cache.Generation);
        cache.Remember(client, cache.Generation);
        Assert.True(cache.Find(staff.Hash)!.IsStaff);

        cache.Forget();

        Assert.Null(cache.Find(staff.Hash));
        Assert.Null(cache.Find(client.Hash));
    }

    [Fact]
    public void Remember_ReadBeforeARevocationWasForgotten_DoesNotKeepTheKey()
    {
        // A request read the key (still valid) while another revoked it: the revocation's Forget came between.
        var cache = new ApiKeyCache(_clock);
        var key = Key("tlk_raced");
        var generation = cache.Generation;
        cache.Forget();

        var answered = cache.Remember(key, generation);

        Assert.Equal(42, answered.Id);
        Assert.Null(cache.Find(key.Hash));
    }

    [Fact]
    public void LastUsedAt_SetAfterATouch_IsWhatTheNextRequestSees()
    {
        var cache = new ApiKeyCache(_clock);
        var key = Key("tlk_touched");
        cache.Remember(key, cache.Generation).LastUsedAt = new DateTime(2040, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2040, 1, 1, 12, 0, 0, DateTimeKind.Utc), cache.Find(key.Hash)!.LastUsedAt);
    }
}
