using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Tells the delivery engine where a registration points now, with its token and every secret that signs
/// (two during a rotation), and whether it is enabled or paused. Cached for a few seconds so a burst does not read the
/// same row thousands of times; a change to a registration is forgotten at once (<see cref="Invalidate"/>, called by
/// <see cref="RegistrationChangeInterceptor"/> on this node and through NOTIFY on the others), so it applies to every
/// attempt that starts after the change is answered. The dispatcher prefetches each claimed batch's endpoints in one
/// read, so traffic spread over many registrations (many companies) does not cost a read per delivery.
/// </summary>
/// <remarks>
/// A read that began before an invalidation must not be cached as current (it may have read the row before the change
/// committed): each entry remembers the generation its read began in, and is only answered while no invalidation of its
/// endpoint (or of all) came after that.
/// </remarks>
internal sealed class EndpointDirectory(IDbContextFactory<TechLinkDbContext> contexts, WebhookSecrets secrets, TimeProvider clock) : IEndpointDirectory
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    internal const int MaxCached = 10_000;
    private readonly ConcurrentDictionary<long, (EndpointTarget? Target, DateTimeOffset Until, long Generation)> _cache = new();
    private readonly ConcurrentDictionary<long, long> _invalidatedAt = new();
    private long _generation;
    private long _allInvalidatedAt;
    private long _nextSweep;

    /// <summary>Entries held now, expired ones included (for tests).</summary>
    internal int CachedCount => _cache.Count;

    public async ValueTask<EndpointTarget?> FindAsync(long endpointId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (TryGet(endpointId, now, out var hit)) return hit;
        var generation = Interlocked.Read(ref _generation);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var registration = await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == endpointId, cancellationToken);
        var target = registration is null ? null : ToTarget(registration, secrets, clock);
        _cache[endpointId] = (target, now + CacheFor, generation);
        return target;
    }

    public async ValueTask PrefetchAsync(IReadOnlyCollection<long> endpointIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.Count > MaxCached && now.UtcTicks >= Interlocked.Read(ref _nextSweep))
        {
            // Expired entries are only a memory cost: drop them once there are many (traffic over many registrations),
            // at most once per cache time, because a sweep walks every entry.
            Interlocked.Exchange(ref _nextSweep, (now + CacheFor).UtcTicks);
            foreach (var (id, entry) in _cache)
            {
                if (entry.Until <= now) _cache.TryRemove(id, out _);
            }
        }

        var missing = endpointIds.Where(id => !TryGet(id, now, out _)).Distinct().ToList();
        if (missing.Count == 0) return;
        var generation = Interlocked.Read(ref _generation);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await db.WebhookRegistrations.AsNoTracking().Where(r => missing.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        foreach (var id in missing)
        {
            _cache[id] = (found.TryGetValue(id, out var registration) ? ToTarget(registration, secrets, clock) : null, now + CacheFor, generation);
        }
    }

    public void Invalidate(IReadOnlyCollection<long> endpointIds)
    {
        var generation = Interlocked.Increment(ref _generation);
        if (endpointIds.Count == 0)
        {
            Interlocked.Exchange(ref _allInvalidatedAt, generation);
            return;
        }

        if (_invalidatedAt.Count > MaxCached)
        {
            // Too many remembered: invalidate everything instead, then start the list afresh.
            Interlocked.Exchange(ref _allInvalidatedAt, generation);
            _invalidatedAt.Clear();
        }

        foreach (var id in endpointIds)
        {
            _invalidatedAt[id] = generation;
            _cache.TryRemove(id, out _);
        }
    }

    private bool TryGet(long endpointId, DateTimeOffset now, out EndpointTarget? target)
    {
        target = null;
        if (!_cache.TryGetValue(endpointId, out var hit) || hit.Until <= now) return false;
        if (hit.Generation < Interlocked.Read(ref _allInvalidatedAt)) return false;
        if (_invalidatedAt.TryGetValue(endpointId, out var at) && hit.Generation < at) return false;
        target = hit.Target;
        return true;
    }

    internal static EndpointTarget ToTarget(WebhookRegistration r, WebhookSecrets secrets, TimeProvider clock)
    {
        var signing = new List<string> { secrets.Unprotect(r.SecretProtected) };
        if (r.PreviousSecretProtected is { } previous && r.PreviousSecretExpiresAt > clock.GetUtcNow().UtcDateTime)
        {
            signing.Add(secrets.Unprotect(previous));
        }

        return new EndpointTarget(new Uri(r.Url), secrets.UnprotectOrNull(r.TokenProtected), signing, r.Enabled) { Paused = r.Paused };
    }
}
