using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Tells the delivery engine where a registration points now, with its token and every secret that signs
/// (two during a rotation). Cached for a few seconds so a burst does not read the same row thousands of times;
/// an edit takes effect within that time. The dispatcher prefetches each claimed batch's endpoints in one read, so
/// traffic spread over many registrations (many companies) does not cost a read per delivery.
/// </summary>
internal sealed class EndpointDirectory(IDbContextFactory<TechLinkDbContext> contexts, WebhookSecrets secrets, TimeProvider clock) : IEndpointDirectory
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private const int MaxCached = 10_000;
    private readonly ConcurrentDictionary<long, (EndpointTarget? Target, DateTimeOffset Until)> _cache = new();

    public async ValueTask<EndpointTarget?> FindAsync(long endpointId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(endpointId, out var hit) && hit.Until > now) return hit.Target;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var registration = await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == endpointId, cancellationToken);
        var target = registration is null ? null : ToTarget(registration, secrets, clock);
        _cache[endpointId] = (target, now + CacheFor);
        return target;
    }

    public async ValueTask PrefetchAsync(IReadOnlyCollection<long> endpointIds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.Count > MaxCached)
        {
            // Expired entries are only a memory cost: drop them once there are many (traffic over many registrations).
            foreach (var (id, entry) in _cache)
            {
                if (entry.Until <= now) _cache.TryRemove(id, out _);
            }
        }

        var missing = endpointIds.Where(id => !_cache.TryGetValue(id, out var hit) || hit.Until <= now).Distinct().ToList();
        if (missing.Count == 0) return;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await db.WebhookRegistrations.AsNoTracking().Where(r => missing.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        foreach (var id in missing)
        {
            _cache[id] = (found.TryGetValue(id, out var registration) ? ToTarget(registration, secrets, clock) : null, now + CacheFor);
        }
    }

    internal static EndpointTarget ToTarget(WebhookRegistration r, WebhookSecrets secrets, TimeProvider clock)
    {
        var signing = new List<string> { secrets.Unprotect(r.SecretProtected) };
        if (r.PreviousSecretProtected is { } previous && r.PreviousSecretExpiresAt > clock.GetUtcNow().UtcDateTime)
        {
            signing.Add(secrets.Unprotect(previous));
        }

        return new EndpointTarget(new Uri(r.Url), secrets.UnprotectOrNull(r.TokenProtected), signing, r.Enabled);
    }
}
