using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>What <see cref="EndpointScheduler.Take"/> hands out: rows to send now, rows whose lease ran too short, and whether to claim again.</summary>
internal readonly record struct Taken(List<ClaimedDelivery>? Start, List<ClaimedDelivery>? Stale, bool Refill);

/// <summary>
/// The dispatcher's bookkeeping, without I/O or a clock of its own (every method is told <c>now</c>): which endpoints
/// may have due rows, how many rows to claim for each, the rows held per endpoint, which to start next in the free
/// send slots, and which endpoints stopped answering. Thread-safe; the dispatcher's send slots and loop share it.
/// </summary>
/// <remarks>
/// <para>Fairness and isolation: an endpoint holds at most its share (<c>MaxConcurrencyPerEndpoint + ClaimBatchSize</c>
/// rows) and is claimed for again when it is down to <c>MaxConcurrencyPerEndpoint + ClaimBatchSize / 4</c>; it runs at
/// most <see cref="DeliveryOptions.MaxConcurrencyPerEndpoint"/> sends, ready endpoints take turns for the global slots,
/// and the node holds at most <c>MaxConcurrency + 3 × ClaimBatchSize</c> rows. So a dead endpoint holds about its own
/// share and never takes the claims or the slots of the others.</para>
/// <para>Leases: a held row is only started while its lease outlasts <see cref="DeliveryOptions.Timeout"/> plus a margin;
/// otherwise it is handed back (another claim, here or elsewhere, takes it again), so a slow endpoint's queue cannot
/// outlive its leases.</para>
/// </remarks>
internal sealed partial class EndpointScheduler
{
    /// <summary>A held row is started only if its lease outlasts the attempt by this much (room for the result write).</summary>
    public static readonly TimeSpan StartMargin = TimeSpan.FromSeconds(5);

    /// <summary>An endpoint that holds its full share and has finished no send for this long is not answering.</summary>
    public static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(2);

    /// <summary>How often a not-answering endpoint's newly due rows are postponed.</summary>
    public static readonly TimeSpan PostponeEvery = TimeSpan.FromSeconds(1);

    /// <summary>How many of its own retries the node remembers; beyond it, the periodic discovery finds the rest.</summary>
    public const int MaxOwnDue = 100_000;

    private readonly DeliveryOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, EndpointQueue> _endpoints = [];
    private readonly Queue<EndpointQueue> _ready = new();

    /// <summary>The endpoints of the rows this node wrote back as pending (its retries and hand-backs), by when they fall due.</summary>
    private readonly PriorityQueue<long, DateTime> _ownDue = new();

    /// <summary>Endpoints that may have due rows to claim.</summary>
    private readonly HashSet<long> _wanted = [];

    private readonly int _holdPerEndpoint;
    private readonly int _refillPerEndpoint;
    private int _inFlight;
    private int _held;
    private bool _stopping;

    /// <summary>When to look for due rows nobody named (at once at start).</summary>
    private DateTime _discoverAt = DateTime.MinValue;

    public EndpointScheduler(DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        // Per endpoint: its sends plus a batch waiting; claimed for again when it is down to a quarter batch waiting.
        _holdPerEndpoint = options.MaxConcurrencyPerEndpoint + Math.Max(1, options.ClaimBatchSize);
        _refillPerEndpoint = options.MaxConcurrencyPerEndpoint + (options.ClaimBatchSize / 4);
        HoldTotal = options.MaxConcurrency + 3 * options.ClaimBatchSize;
    }

    /// <summary>The most rows the node holds (waiting and running) at once.</summary>
    public int HoldTotal { get; }

    /// <summary>Sends in flight on this node.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate) return _inFlight;
        }
    }

    /// <summary>Rows held (waiting or running) on this node.</summary>
    public int Held
    {
        get
        {
            lock (_gate) return _held;
        }
    }

    /// <summary>
    /// Notes the endpoints commits named and this node's own retries that are due by <paramref name="now"/>; answers
    /// whether to run a discovery now (a notification named none, or the idle interval has passed).
    /// </summary>
    public bool Want(IEnumerable<long> named, bool unknown, DateTime now)
    {
        lock (_gate)
        {
            _wanted.UnionWith(named);
            while (_ownDue.TryPeek(out var endpoint, out var at) && at <= now)
            {
                _ownDue.Dequeue();
                _wanted.Add(endpoint);
            }

            return !_stopping && (unknown || now >= _discoverAt);
        }
    }

    /// <summary>A discovery at <paramref name="now"/> found these endpoints; the next one is an idle interval away.</summary>
    public void Discovered(IEnumerable<long> found, DateTime now)
    {
        lock (_gate)
        {
            _wanted.UnionWith(found);
            _discoverAt = now + _options.IdlePollInterval;
        }
    }

    /// <summary>
    /// How many rows to claim for each endpoint that may have due rows and has run down to its refill mark (or holds
    /// none), topping it up to its share. What the node may still hold is shared out evenly, so many endpoints with a
    /// row or two each are claimed for together rather than one per round. When at least <see cref="WindowFrom"/>
    /// wanted endpoints hold nothing here, those are left to <see cref="Window"/> (breadth) and only the endpoints the
    /// node holds rows of are asked for (depth).
    /// </summary>
    public List<EndpointClaim> Asks()
    {
        lock (_gate) return AsksLocked(Breadth());
    }

    /// <param name="breadth">Leave endpoints the node holds no rows of to a <see cref="ClaimWindow"/>.</param>
    private List<EndpointClaim> AsksLocked(bool breadth)
    {
        var asks = new List<EndpointClaim>();
        var room = HoldTotal - _held;
        if (_stopping || room <= 0) return asks;
        var eligible = new List<(long Endpoint, int Wants)>();
        foreach (var endpoint in _wanted)
        {
            var held = _endpoints.TryGetValue(endpoint, out var queue) ? queue.Held : 0;
            if (held > _refillPerEndpoint || (breadth && (held == 0 || queue!.ByWindow))) continue;
            eligible.Add((endpoint, _holdPerEndpoint - held));
            if (eligible.Count == room) break;
        }

        if (eligible.Count == 0) return asks;
        var each = Math.Max(1, room / eligible.Count);
        foreach (var (endpoint, wants) in eligible)
        {
            var limit = Math.Min(Math.Min(wants, each), room);
            if (limit <= 0) break;
            asks.Add(new EndpointClaim(endpoint, limit));
            room -= limit;
        }

        return asks;
    }

    /// <summary>
    /// Holds what a claim for <paramref name="asks"/> brought, per endpoint. An endpoint's share is soft: a claim's rows
    /// are all kept (handing rows back costs a write each). An endpoint that brought fewer rows than asked has nothing
    /// more due now: it is claimed for again when a commit names it, a retry of ours falls due or a discovery finds it.
    /// </summary>
    public void Claimed(IReadOnlyList<EndpointClaim> asks, IReadOnlyList<ClaimedDelivery> claims, DateTime now)
    {
        lock (_gate)
        {
            Hold(claims, now);

            _windowEmpty = false;
            var got = claims.CountBy(c => c.EndpointId).ToDictionary(g => g.Key, g => g.Value);
            foreach (var endpoint in got.Keys) _endpoints[endpoint].ByWindow = false;
            foreach (var ask in asks)
            {
                if (got.GetValueOrDefault(ask.EndpointId) < ask.Limit) _wanted.Remove(ask.EndpointId);
            }
        }
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> held rows for free send slots (counting them in flight), ready endpoints taking
    /// turns; rows whose lease is too short to start are handed out as stale, to be given back.
    /// </summary>
    public Taken Take(DateTime now, int max)
    {
        lock (_gate) return TakeLocked(now, max, refill: false);
    }

    /// <summary>A send of <paramref name="claim"/> finished (its result is on its way): frees its slot and takes the next row for it.</summary>
    public Taken Finished(ClaimedDelivery claim, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            _inFlight--;
            var refill = false;
            if (_endpoints.TryGetValue(claim.EndpointId, out var queue))
            {
                queue.Running--;
                queue.LastProgress = now;
                refill = Left(queue);
            }

            return TakeLocked(now, 1, refill);
        }
    }

    /// <summary>
    /// Full endpoints that are not answering (no send finished for <see cref="SlowAfter"/>) and are due for a
    /// postponement of their due rows; marks them postponed at <paramref name="now"/>.
    /// </summary>
    public long[] NotAnswering(DateTime now)
    {
        lock (_gate)
        {
            if (_stopping) return [];
            List<long>? slow = null;
            foreach (var queue in _endpoints.Values)
            {
                if (!IsFull(queue) || now - queue.LastProgress <= SlowAfter || now - queue.LastPostponed < PostponeEvery) continue;
                queue.LastPostponed = now;
                (slow ??= []).Add(queue.EndpointId);
            }

            return slow is null ? [] : [.. slow];
        }
    }

    /// <summary>The endpoints that hold all they may (a discovery leaves them out).</summary>
    public long[] FullEndpoints()
    {
        lock (_gate)
        {
            if (_stopping) return [];
            return [.. _endpoints.Values.Where(IsFull).Select(q => q.EndpointId)];
        }
    }

    /// <summary>Rows written back as pending are due again at a time this node knows: answers whether any were remembered.</summary>
    public bool Written(IEnumerable<DeliveryResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var any = false;
        lock (_gate)
        {
            foreach (var result in results)
            {
                if (result.Status != DeliveryStatus.Pending || result.Parks || _ownDue.Count >= MaxOwnDue) continue;
                _ownDue.Enqueue(result.Claim.EndpointId, result.NextAttemptAt);
                any = true;
            }
        }

        return any;
    }

    /// <summary>
    /// How long the loop may wait for a signal before it must look again: the next discovery, the next own retry, and
    /// at most <see cref="PostponeEvery"/> while an endpoint is full (it may stop answering).
    /// </summary>
    public TimeSpan NextWait(DateTime now)
    {
        lock (_gate)
        {
            var wait = _options.IdlePollInterval;
            if (_discoverAt - now < wait) wait = _discoverAt - now;
            if (_ownDue.TryPeek(out _, out var next) && next - now < wait) wait = next - now;
            if (wait > PostponeEvery && _endpoints.Values.Any(IsFull)) wait = PostponeEvery;
            return wait;
        }
    }

    /// <summary>Shutdown: nothing more is claimed or started; answers the rows that were waiting, to be handed back.</summary>
    public List<ClaimedDelivery> Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            List<ClaimedDelivery> waiting = [];
            foreach (var queue in _endpoints.Values)
            {
                while (queue.Waiting.TryDequeue(out var claim)) waiting.Add(claim);
            }

            _ready.Clear();
            _held -= waiting.Count;
            return waiting;
        }
    }

    private void Hold(IReadOnlyList<ClaimedDelivery> claims, DateTime now)
    {
        foreach (var claim in claims)
        {
            if (!_endpoints.TryGetValue(claim.EndpointId, out var queue))
            {
                queue = new EndpointQueue(claim.EndpointId) { LastProgress = now };
                _endpoints[claim.EndpointId] = queue;
            }

            queue.Waiting.Enqueue(claim);
            _held++;
            MarkReady(queue);
        }
    }

    private Taken TakeLocked(DateTime now, int max, bool refill)
    {
        List<ClaimedDelivery>? start = null;
        List<ClaimedDelivery>? stale = null;
        if (_stopping) return new Taken(null, null, refill);
        var latestStart = now + _options.Timeout + StartMargin;
        var taken = 0;
        while (taken < max && _inFlight < _options.MaxConcurrency && _ready.TryDequeue(out var queue))
        {
            queue.IsReady = false;
            if (!queue.Waiting.TryDequeue(out var claim)) continue;
            if (claim.LeaseUntil < latestStart)
            {
                // Held too long (a slow endpoint's queue): hand it back rather than risk a second sender.
                (stale ??= []).Add(claim);
                refill |= Left(queue);
            }
            else
            {
                queue.Running++;
                _inFlight++;
                taken++;
                (start ??= []).Add(claim);
                MarkReady(queue);
            }
        }

        return new Taken(start, stale, refill);
    }

    /// <summary>Holds its share: left out of claims (and, if it stops answering, its due rows are postponed).</summary>
    private bool IsFull(EndpointQueue queue) => queue.Held >= _holdPerEndpoint;

    /// <summary>
    /// Bookkeeping when a held row leaves (sent or handed back); answers whether to claim again now: a whole batch
    /// fits again, or this endpoint ran down to its refill mark, or nothing is held. Not after every send.
    /// </summary>
    private bool Left(EndpointQueue queue)
    {
        _held--;
        var refill = queue.Held == _refillPerEndpoint || _held == HoldTotal - _options.ClaimBatchSize || _held == 0;
        MarkReady(queue);
        if (queue.Held == 0) _endpoints.Remove(queue.EndpointId);
        return refill;
    }

    private void MarkReady(EndpointQueue queue)
    {
        if (!queue.IsReady && queue.Waiting.Count > 0 && queue.Running < _options.MaxConcurrencyPerEndpoint)
        {
            queue.IsReady = true;
            _ready.Enqueue(queue);
        }
    }

    /// <summary>The rows held for one endpoint: waiting to start, and running.</summary>
    private sealed class EndpointQueue(long endpointId)
    {
        public long EndpointId { get; } = endpointId;
        public Queue<ClaimedDelivery> Waiting { get; } = new();
        public int Running { get; set; }
        public bool IsReady { get; set; }
        public int Held => Waiting.Count + Running;

        /// <summary>When a send to it last finished (or it was first held).</summary>
        public DateTime LastProgress { get; set; }

        public DateTime LastPostponed { get; set; }

        /// <summary>A window brought it fewer rows than its cap: any more it has are due later than the window reached, and the next window takes them.</summary>
        public bool ByWindow { get; set; }
    }
}
