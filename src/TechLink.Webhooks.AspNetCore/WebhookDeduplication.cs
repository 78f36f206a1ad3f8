using System.Collections.Concurrent;

namespace TechLink.Webhooks;

/// <summary>What the deduplication store knows about a <c>webhook-id</c>.</summary>
public enum DeduplicationState
{
    /// <summary>First sight: the caller now owns processing and must call complete or release.</summary>
    New,
    /// <summary>Another request with this id is being processed right now.</summary>
    InProgress,
    /// <summary>Already processed successfully.</summary>
    Processed,
}

/// <summary>
/// Remembers which <c>webhook-id</c>s were processed, so a retried delivery does not run handlers twice.
/// The default keeps them in memory; implement this over a database for several receiver instances.
/// </summary>
public interface IWebhookDeduplicationStore
{
    /// <summary>Claims an id for processing. <see cref="DeduplicationState.New"/> means the caller owns it until <paramref name="leaseFor"/> has passed.</summary>
    ValueTask<DeduplicationState> TryClaimAsync(string webhookId, TimeSpan leaseFor, CancellationToken cancellationToken);

    /// <summary>Marks a claimed id as processed, remembered for <paramref name="rememberFor"/>.</summary>
    ValueTask CompleteAsync(string webhookId, TimeSpan rememberFor, CancellationToken cancellationToken);

    /// <summary>Gives a claimed id back after a failure, so the sender's retry processes it.</summary>
    ValueTask ReleaseAsync(string webhookId, CancellationToken cancellationToken);
}

/// <summary>An in-memory <see cref="IWebhookDeduplicationStore"/> with expiry, for a single receiver process.</summary>
/// <param name="timeProvider">The clock for expiry.</param>
public sealed class InMemoryWebhookDeduplicationStore(TimeProvider timeProvider) : IWebhookDeduplicationStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Ids currently remembered (processed or in progress, expired ones may linger until the next sweep).</summary>
    public int Count => _entries.Count;

    /// <inheritdoc />
    public ValueTask<DeduplicationState> TryClaimAsync(string webhookId, TimeSpan leaseFor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        SweepIfDue(now);
        var claim = new Entry(false, now + leaseFor);
        while (true)
        {
            if (_entries.TryAdd(webhookId, claim)) return ValueTask.FromResult(DeduplicationState.New);
            if (!_entries.TryGetValue(webhookId, out var existing)) continue;
            if (existing.ExpiresAt > now) return ValueTask.FromResult(existing.Processed ? DeduplicationState.Processed : DeduplicationState.InProgress);
            if (_entries.TryUpdate(webhookId, claim, existing)) return ValueTask.FromResult(DeduplicationState.New);
        }
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(string webhookId, TimeSpan rememberFor, CancellationToken cancellationToken)
    {
        _entries[webhookId] = new Entry(true, timeProvider.GetUtcNow() + rememberFor);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(string webhookId, CancellationToken cancellationToken)
    {
        _entries.TryRemove(webhookId, out _);
        return ValueTask.CompletedTask;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, now.UtcTicks + TimeSpan.TicksPerMinute, due) != due) return;
        foreach (var (id, entry) in _entries)
        {
            if (entry.ExpiresAt <= now) _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
        }
    }

    private sealed record Entry(bool Processed, DateTimeOffset ExpiresAt);
}
