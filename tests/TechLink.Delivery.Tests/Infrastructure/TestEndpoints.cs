using System.Collections.Concurrent;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>The host's endpoint registry, in memory.</summary>
public sealed class TestEndpoints : IEndpointDirectory
{
    private readonly ConcurrentDictionary<long, EndpointTarget> _targets = new();
    private long _next;

    public long Add(Uri url, string? token = null, IReadOnlyList<string>? secrets = null, bool enabled = true)
    {
        var id = Interlocked.Increment(ref _next);
        _targets[id] = new EndpointTarget(url, token, secrets ?? [TechLink.Delivery.Signing.WebhookSecret.Generate()], enabled);
        return id;
    }

    public EndpointTarget this[long id] => _targets[id];

    public ValueTask<EndpointTarget?> FindAsync(long endpointId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_targets.TryGetValue(endpointId, out var target) ? target : null);
}
