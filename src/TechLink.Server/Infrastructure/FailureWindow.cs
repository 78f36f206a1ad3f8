using System.Collections.Concurrent;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Counts failures per key in a fixed window that opens with the key's first failure. An attempt reserves a failure
/// before it runs (so a burst of parallel attempts cannot slip past the limit while the first ones are still being
/// checked) and gives it back when it succeeds: only failures use up the allowance. Time is the injected clock's;
/// windows that have ended are swept at most once a window, so the keys an attacker makes up do not pile up.
/// </summary>
internal sealed class FailureWindow(int limit, TimeSpan window, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Reserves one failure for <paramref name="key"/>: null when the attempt may go ahead, else how long until the window ends.</summary>
    public TimeSpan? TryReserve(string key)
    {
        var now = clock.GetUtcNow();
        Sweep(now);
        var counter = _counters.GetOrAdd(key, _ => new Counter());
        lock (counter)
        {
            if (counter.Count == 0 || now >= counter.Start + window)
            {
                counter.Start = now;
                counter.Count = 0;
            }

            if (counter.Count >= limit) return counter.Start + window - now;
            counter.Count++;
            return null;
        }
    }

    /// <summary>The attempt succeeded: its reserved failure is given back.</summary>
    public void Release(string key)
    {
        if (!_counters.TryGetValue(key, out var counter)) return;
        lock (counter)
        {
            if (counter.Count > 0) counter.Count--;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + window).UtcTicks, next) != next) return;
        foreach (var (key, counter) in _counters)
        {
            bool ended;
            lock (counter) ended = now >= counter.Start + window;
            // A counter removed here while another attempt holds it loses at most that attempt's count.
            if (ended) _counters.TryRemove(new KeyValuePair<string, Counter>(key, counter));
        }
    }

    private sealed class Counter
    {
        public DateTimeOffset Start;
        public int Count;
    }
}
