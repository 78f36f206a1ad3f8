using System.Collections.Concurrent;
using TechLink.Server.Companies;

namespace TechLink.Server.Infrastructure;

/// <summary>What authentication needs of a valid API key, kept for <see cref="ApiKeyCache.CacheFor"/>.</summary>
internal sealed class CachedApiKey(ApiKey key, DateTimeOffset readAt)
{
    public long Id { get; } = key.Id;

    public string Name { get; } = key.Name;

    public long? CompanyId { get; } = key.CompanyId;

    public bool IsStaff => CompanyId is null;

    public DateTimeOffset ReadAt { get; } = readAt;

    private long _lastUsedTicks = key.LastUsedAt?.Ticks ?? 0;

    /// <summary>Moved on when this node records a use, so the once-a-minute touch is not repeated for every request in between.</summary>
    public DateTime? LastUsedAt
    {
        get => Interlocked.Read(ref _lastUsedTicks) is var t and > 0 ? new DateTime(t, DateTimeKind.Utc) : null;
        set => Interlocked.Exchange(ref _lastUsedTicks, value?.Ticks ?? 0);
    }
}

/// <summary>
/// Valid API keys by hash, so a request does not read its key from the database (the API path's first statement: a
/// profile of <c>POST /workorders/{id}/notes</c> showed it as one of the three reads of every request). Only keys that
/// were found valid are kept; an unknown key is looked up every time. A key revoked through this node's API is
/// forgotten when the revocation commits (<see cref="Forget"/>), so it fails at once; a key revoked on another node (or
/// in the database by hand) still works here for at most <see cref="CacheFor"/>.
/// </summary>
internal sealed class ApiKeyCache(TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    /// <summary>More keys than this are not remembered (a flood of distinct valid keys reads the database as before).</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, CachedApiKey> _keys = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Taken before a key is read from the database, and handed to <see cref="Remember"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public CachedApiKey? Find(string hash)
    {
        if (!_keys.TryGetValue(hash, out var key)) return null;
        if (clock.GetUtcNow() - key.ReadAt < CacheFor) return key;
        _keys.TryRemove(new KeyValuePair<string, CachedApiKey>(hash, key));
        return null;
    }

    /// <summary>
    /// Keeps a key read from the database, unless a revocation was forgotten since <paramref name="generation"/> was taken:
    /// a read that raced with a revocation may have seen the key still valid, and must not keep it.
    /// </summary>
    public CachedApiKey Remember(ApiKey key, long generation)
    {
        ArgumentNullException.ThrowIfNull(key);
        var cached = new CachedApiKey(key, clock.GetUtcNow());
        if (_keys.Count < MaxEntries && generation == Generation)
        {
            _keys[key.Hash] = cached;
            // A Forget between the check and the store: take it out again.
            if (generation != Generation) _keys.TryRemove(new KeyValuePair<string, CachedApiKey>(key.Hash, cached));
        }

        return cached;
    }

    /// <summary>Forgets every key (revocations are rare; the next request of each key reads it again).</summary>
    public void Forget()
    {
        Interlocked.Increment(ref _generation);
        _keys.Clear();
    }
}
