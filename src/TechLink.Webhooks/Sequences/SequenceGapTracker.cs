namespace TechLink.Webhooks;

/// <summary>
/// Notices missed events from their <c>techlink-sequence</c> numbers: feed it each delivery's subject and number
/// (<see cref="WebhookSequence.SubjectOf"/>, and the <c>techlink-sequence</c> header, <see cref="WebhookSequence.Parse"/>; the ASP.NET Core endpoint hands it over as <c>WebhookContext.Sequence</c>); it answers the numbers that the
/// delivery shows to be missing, and keeps track of them until they arrive. Retries can bring numbers out of order (a
/// failed attempt is tried again a minute or two later), so give a missing number some time before you fetch the
/// subject's events from <c>GET /events</c>. Thread-safe; kept in memory (one entry per subject seen).
/// </summary>
public sealed class SequenceGapTracker
{
    private sealed class Subject
    {
        public long Highest;
        public readonly SortedSet<long> Missing = [];
    }

    private readonly Dictionary<string, Subject> _subjects = new(StringComparer.Ordinal);
#if NET9_0_OR_GREATER
    private readonly Lock _gate = new();
#else
    private readonly object _gate = new();
#endif
    private readonly bool _startsAtOne;

    /// <summary>Creates a tracker.</summary>
    /// <param name="startsAtOne">
    /// True (default): a subject's first number above 1 means the ones before it were missed (numbers start at 1 when
    /// the registration is created). False: the first number seen of each subject is where tracking starts (a receiver
    /// that starts listening to a registration that already had deliveries).
    /// </param>
    public SequenceGapTracker(bool startsAtOne = true) => _startsAtOne = startsAtOne;

    /// <summary>
    /// Records that <paramref name="sequence"/> of <paramref name="subject"/> arrived; answers the numbers this arrival
    /// shows to be missing that were not known to be missing before (empty when none: the next in line, a repeat, or
    /// a late arrival that fills a gap).
    /// </summary>
    public IReadOnlyList<long> Observe(string subject, long sequence)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        lock (_gate)
        {
            if (!_subjects.TryGetValue(subject, out var state))
            {
                state = new Subject { Highest = _startsAtOne ? 0 : sequence - 1 };
                _subjects[subject] = state;
            }

            if (sequence <= state.Highest)
            {
                state.Missing.Remove(sequence);
                return [];
            }

            var missed = new List<long>();
            for (var n = state.Highest + 1; n < sequence; n++)
            {
                missed.Add(n);
                state.Missing.Add(n);
            }

            state.Highest = sequence;
            return missed;
        }
    }

    /// <summary>The numbers of <paramref name="subject"/> still missing, lowest first.</summary>
    public IReadOnlyList<long> Missing(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        lock (_gate)
        {
            return _subjects.TryGetValue(subject, out var state) ? [.. state.Missing] : [];
        }
    }

    /// <summary>Every subject with missing numbers, and those numbers.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> AllMissing()
    {
        lock (_gate)
        {
            return _subjects.Where(s => s.Value.Missing.Count > 0)
                .ToDictionary(s => s.Key, s => (IReadOnlyList<long>)[.. s.Value.Missing], StringComparer.Ordinal);
        }
    }

    /// <summary>Stops tracking <paramref name="subject"/> (e.g. a closed work order): its gaps are forgotten.</summary>
    public void Forget(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        lock (_gate) _subjects.Remove(subject);
    }
}
