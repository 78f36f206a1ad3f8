using System.Collections.Concurrent;
using System.Net;
using TechLink.Delivery.Network;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>A DNS that answers from a script: each host has a queue of answers, the last one repeating.</summary>
public sealed class FakeDns : IDnsResolver
{
    private readonly ConcurrentDictionary<string, Queue<IPAddress[]>> _answers = new(StringComparer.OrdinalIgnoreCase);

    public int Lookups;

    public FakeDns Answer(string host, params IPAddress[][] answers)
    {
        _answers[host] = new Queue<IPAddress[]>(answers);
        return this;
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Lookups);
        if (!_answers.TryGetValue(host, out var queue)) return Task.FromResult(Array.Empty<IPAddress>());
        lock (queue)
        {
            return Task.FromResult(queue.Count > 1 ? queue.Dequeue() : queue.Peek());
        }
    }
}
