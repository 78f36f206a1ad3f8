using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Outbox;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Claims due deliveries per endpoint with a lease, holds them in a local queue per endpoint, sends them with bounded
/// concurrency (globally and per endpoint), and writes the results back in batches. Woken by commits
/// (<see cref="DeliverySignal"/>, NOTIFY on PostgreSQL, both naming the endpoints), by its own retries falling due and
/// by a held queue running low; a discovery every <see cref="DeliveryOptions.IdlePollInterval"/> finds the rest (other
/// nodes' retries, expired leases of a node that died).
/// </summary>
/// <remarks>
/// <para>Cost: one claim statement per round for all the endpoints it tops up (each read through its own
/// <c>(endpoint, status, due)</c> index range, payloads included), and one write transaction per batch of results (up
/// to <see cref="DeliveryOptions.ResultBatchSize"/>, gathered for at most <see cref="DeliveryOptions.ResultFlushDelay"/>),
/// instead of several round trips per delivery. No claim scans another endpoint's backlog, so a deep backlog costs
/// nothing to the endpoints behind it.</para>
/// <para>Fairness and isolation: an endpoint holds at most its share (<c>MaxConcurrencyPerEndpoint + ClaimBatchSize</c>
/// rows) and is claimed for again when it is down to <c>MaxConcurrencyPerEndpoint + ClaimBatchSize / 4</c>; it runs at
/// most <see cref="DeliveryOptions.MaxConcurrencyPerEndpoint"/> sends, ready endpoints take turns for the global slots,
/// and the node holds at most <c>MaxConcurrency + 3 × ClaimBatchSize</c> rows. So a dead endpoint holds about its own
/// share and never takes the claims or the slots of the others.</para>
/// <para>Leases: a held row is only started while its lease outlasts <see cref="DeliveryOptions.Timeout"/> plus a margin;
/// otherwise it is handed back (another claim, here or elsewhere, takes it again), so a slow endpoint's queue cannot
/// outlive its leases. At shutdown the held rows are handed back at once and sends in flight get
/// <see cref="DeliveryOptions.ShutdownGrace"/> to finish before they are cancelled and handed back too.</para>
/// </remarks>
public sealed class DeliveryDispatcher : BackgroundService
{
    /// <summary>A held row is started only if its lease outlasts the attempt by this much (room for the result write).</summary>
    private static readonly TimeSpan StartMargin = TimeSpan.FromSeconds(5);

    private const int MaxOwnDue = 100_000;

    /// <summary>An endpoint that holds its full share and has finished no send for this long is not answering.</summary>
    private static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(2);

    /// <summary>How often a not-answering endpoint's newly due rows are postponed.</summary>
    private static readonly TimeSpan PostponeEvery = TimeSpan.FromSeconds(1);

    private readonly IDeliveryStore _store;
    private readonly WebhookSender _sender;
    private readonly IEndpointDirectory _directory;
    private readonly DeliverySignal _signal;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly DeliveryNode _node;
    private readonly ILogger<DeliveryDispatcher> _logger;

    /// <summary>Raised when the held rows ran low (claim more) or one of our own retries may have fallen due.</summary>
    private readonly DeliverySignal _hungry = new();
    private readonly DeliverySignal _progress = new();
    private readonly Channel<DeliveryResult> _results;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, EndpointQueue> _endpoints = [];
    private readonly Queue<EndpointQueue> _ready = new();
    private readonly CancellationTokenSource _sendsStop = new();
    private readonly CancellationTokenSource _writerStop = new();
    private readonly int _holdPerEndpoint;
    private readonly int _refillPerEndpoint;
    private readonly int _holdTotal;
    private int _inFlight;
    private int _held;
    private bool _stopping;

    /// <summary>The endpoints of the rows this node wrote back as pending (its retries and hand-backs), by when they fall due.</summary>
    private readonly PriorityQueue<long, DateTime> _ownDue = new();

    /// <summary>Endpoints that may have due rows to claim.</summary>
    private readonly HashSet<long> _wanted = [];

    /// <summary>When to look for due rows nobody named (at once at start).</summary>
    private DateTime _discoverAt = DateTime.MinValue;

    internal DeliveryDispatcher(
        IDeliveryStore store,
        WebhookSender sender,
        IEndpointDirectory directory,
        DeliverySignal signal,
        DeliveryMetrics metrics,
        TimeProvider time,
        DeliveryOptions options,
        DeliveryNode node,
        ILogger<DeliveryDispatcher> logger)
    {
        _store = store;
        _sender = sender;
        _directory = directory;
        _signal = signal;
        _metrics = metrics;
        _time = time;
        _options = options;
        _node = node;
        _logger = logger;
        // Per endpoint: its sends plus a batch waiting; claimed for again when it is down to a quarter batch waiting.
        _holdPerEndpoint = options.MaxConcurrencyPerEndpoint + Math.Max(1, options.ClaimBatchSize);
        _refillPerEndpoint = options.MaxConcurrencyPerEndpoint + (options.ClaimBatchSize / 4);
        _holdTotal = options.MaxConcurrency + 3 * options.ClaimBatchSize;
        _results = Channel.CreateBounded<DeliveryResult>(new BoundedChannelOptions(_holdTotal + options.ResultBatchSize)
        {
            SingleReader = true,
        });
    }

    /// <summary>Sends in flight on this node.</summary>
    internal int InFlight
    {
        get
        {
            lock (_gate) return _inFlight;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _logger.DispatcherStarted(_node.Id);
        var writer = Task.Run(() => RunWriterAsync(_writerStop.Token), CancellationToken.None);
        var listener = Task.Run(() => ListenAsync(stoppingToken), CancellationToken.None);
        var sampler = Task.Run(() => SampleBacklogAsync(stoppingToken), CancellationToken.None);

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchOnceAsync(stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.LoopFailed(ex, failures, delay);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await DrainAsync(writer);
        await Task.WhenAll(listener, sampler);
        _logger.DispatcherStopped(_node.Id);
    }

    /// <summary>
    /// One round: claims for the endpoints that may have due rows and can take more (each through its own index range,
    /// so no claim ever scans another endpoint's backlog), then waits for a reason to claim again. Which endpoints may
    /// have due rows: those named by commits (here, or by another node's NOTIFY), this node's own retries falling due,
    /// endpoints whose last claim came back full, and, every <see cref="DeliveryOptions.IdlePollInterval"/> or when a
    /// notification named none, those a discovery query finds (other nodes' retries, leases of a node that died).
    /// </summary>
    private async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var slow = NotAnswering();
        if (slow.Length > 0)
        {
            // Nothing claims a full endpoint's rows, but they stay due: move them on (not attempted, no attempt counted)
            // so that they are not the oldest due rows of every discovery and every gauge while the endpoint is down.
            var until = RetryPolicy.WholeMilliseconds(Now() + _options.Timeout);
            var postponed = await _store.PostponeAsync(slow, until, Now(), cancellationToken);
            if (postponed > 0) _logger.Postponed(postponed, string.Join(",", slow), until);
        }

        var now = Now();
        var (named, unknown) = _signal.Take();
        bool discover;
        lock (_gate)
        {
            _wanted.UnionWith(named);
            while (_ownDue.TryPeek(out var endpoint, out var at) && at <= now)
            {
                _ownDue.Dequeue();
                _wanted.Add(endpoint);
            }

            discover = !_stopping && (unknown || now >= _discoverAt);
        }

        if (discover)
        {
            var found = await _store.DiscoverAsync(FullEndpoints(), now, cancellationToken);
            lock (_gate)
            {
                _wanted.UnionWith(found);
                _discoverAt = now + _options.IdlePollInterval;
            }
        }

        var asks = Asks();
        if (asks.Count > 0)
        {
            var claims = await _store.ClaimAsync(asks, now, now + _options.Lease, cancellationToken);
            _metrics.Claimed(claims.Count);
            if (claims.Count > 0)
            {
                await PrefetchAsync(claims, cancellationToken);
                Hold(claims);
                _logger.Claimed(claims.Count);
                Pump();
            }

            lock (_gate)
            {
                // Fewer rows than asked: nothing more is due for that endpoint now; it is claimed for again when a commit
                // names it, a retry of ours falls due or a discovery finds it.
                var got = claims.CountBy(c => c.EndpointId).ToDictionary(g => g.Key, g => g.Value);
                foreach (var ask in asks)
                {
                    if (got.GetValueOrDefault(ask.EndpointId) < ask.Limit) _wanted.Remove(ask.EndpointId);
                }
            }

            // An endpoint that gave all it was asked for may have more: claim again at once if one can take it.
            if (Asks().Count > 0) return;
        }

        var wait = _options.IdlePollInterval;
        lock (_gate)
        {
            now = Now();
            if (_discoverAt - now < wait) wait = _discoverAt - now;
            if (_ownDue.TryPeek(out _, out var next) && next - now < wait) wait = next - now;

            // A full endpoint may stop answering: look again soon enough to move its due rows on.
            if (wait > PostponeEvery && _endpoints.Values.Any(IsFull)) wait = PostponeEvery;
        }

        await WaitAsync(wait, cancellationToken);
    }

    /// <summary>
    /// Under the lock: how many rows to claim for each endpoint that may have due rows and has run down to its refill
    /// mark (or holds none), topping it up to its share. What the node may still hold is shared out evenly, so many
    /// endpoints with a row or two each are claimed for together rather than one per round.
    /// </summary>
    private List<EndpointClaim> Asks()
    {
        lock (_gate)
        {
            var asks = new List<EndpointClaim>();
            var room = _holdTotal - _held;
            if (_stopping || room <= 0) return asks;
            var eligible = new List<(long Endpoint, int Wants)>();
            foreach (var endpoint in _wanted)
            {
                var held = _endpoints.TryGetValue(endpoint, out var queue) ? queue.Held : 0;
                if (held > _refillPerEndpoint) continue;
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
    }

    /// <summary>Lets the directory load the batch's endpoints in one read; a failure only means each send looks its own up.</summary>
    private async Task PrefetchAsync(IReadOnlyList<ClaimedDelivery> claims, CancellationToken cancellationToken)
    {
        try
        {
            await _directory.PrefetchAsync([.. claims.Select(c => c.EndpointId).Distinct()], cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.PrefetchFailed(ex, claims.Count);
        }
    }

    /// <summary>Holds its share: left out of claims (and, if it stops answering, its due rows are postponed).</summary>
    private bool IsFull(EndpointQueue queue) => queue.Held >= _holdPerEndpoint;

    /// <summary>The endpoints that hold all they may (a discovery leaves them out).</summary>
    private long[] FullEndpoints()
    {
        lock (_gate)
        {
            if (_stopping) return [];
            return [.. _endpoints.Values.Where(IsFull).Select(q => q.EndpointId)];
        }
    }

    /// <summary>
    /// Full endpoints that are not answering (no send finished for <see cref="SlowAfter"/>) and are due for a
    /// postponement of their due rows; marks them postponed now.
    /// </summary>
    private long[] NotAnswering()
    {
        lock (_gate)
        {
            if (_stopping) return [];
            var now = Now();
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

    /// <summary>
    /// Queues claimed rows per endpoint. An endpoint's share is soft: a claim's rows are all kept (handing rows back
    /// costs a write each), and an endpoint that holds its share is left out of the next claims.
    /// </summary>
    private void Hold(IReadOnlyList<ClaimedDelivery> claims)
    {
        lock (_gate)
        {
            foreach (var claim in claims)
            {
                if (!_endpoints.TryGetValue(claim.EndpointId, out var queue))
                {
                    queue = new EndpointQueue(claim.EndpointId) { LastProgress = Now() };
                    _endpoints[claim.EndpointId] = queue;
                }

                queue.Waiting.Enqueue(claim);
                _held++;
                MarkReady(queue);
            }
        }
    }

    /// <summary>
    /// Bookkeeping when a held row leaves (sent or handed back); answers whether to claim again now: a whole batch
    /// fits again, or this endpoint ran down to its refill mark, or nothing is held. Not after every send.
    /// </summary>
    private bool Left(EndpointQueue queue)
    {
        _held--;
        var refill = queue.Held == _refillPerEndpoint || _held == _holdTotal - _options.ClaimBatchSize || _held == 0;
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

    /// <summary>Starts held rows while there are free slots; ready endpoints take turns.</summary>
    private void Pump()
    {
        List<ClaimedDelivery>? start = null;
        List<ClaimedDelivery>? stale = null;
        bool refill;
        lock (_gate)
        {
            refill = TakeLocked(ref start, ref stale, int.MaxValue);
        }

        AfterTake(stale, refill);
        if (start is null) return;
        foreach (var claim in start) _ = Task.Run(() => RunAsync(claim), CancellationToken.None);
    }

    /// <summary>
    /// Under the lock: takes up to <paramref name="max"/> held rows for free slots (counting them in flight), ready
    /// endpoints taking turns; rows whose lease is too short to start go to <paramref name="stale"/>.
    /// </summary>
    private bool TakeLocked(ref List<ClaimedDelivery>? start, ref List<ClaimedDelivery>? stale, int max)
    {
        var refill = false;
        if (_stopping) return false;
        var latestStart = Now() + _options.Timeout + StartMargin;
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

        return refill;
    }

    private void AfterTake(List<ClaimedDelivery>? stale, bool refill)
    {
        if (stale is not null)
        {
            foreach (var claim in stale) Release(claim);
        }

        if (refill) _hungry.Notify();
    }

    /// <summary>Hands a held row back (no attempt counted) through the result writer.</summary>
    private void Release(ClaimedDelivery claim)
    {
        if (!_results.Writer.TryWrite(DeliveryResult.Release(claim)))
        {
            // The writer is full or closed: the lease expires on its own and the row is claimed again then.
            _logger.ResultsAbandoned(1);
        }
    }

    /// <summary>
    /// One send slot: sends a held row, hands its result to the writer, then goes on with the next held row that may
    /// start, on the same task (no hop through the thread pool per delivery), until none is left.
    /// </summary>
    private async Task RunAsync(ClaimedDelivery first)
    {
        for (ClaimedDelivery? claim = first; claim is not null;)
        {
            var cancellationToken = _sendsStop.Token;
            DeliveryResult result;
            try
            {
                result = await AttemptAsync(claim, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                result = DeliveryResult.Release(claim);
            }
            catch (Exception ex)
            {
                // Not the receiver's fault (e.g. the host's endpoint directory threw): no attempt is counted.
                _logger.ProcessingFailed(ex, claim.Id);
                result = DeliveryResult.Release(claim, RetryPolicy.WholeMilliseconds(Now() + TimeSpan.FromSeconds(5)));
            }

            try
            {
                await _results.Writer.WriteAsync(result, CancellationToken.None);
            }
            catch (ChannelClosedException)
            {
                // Shutting down: the lease will expire and another pass sends it again.
            }

            List<ClaimedDelivery>? next = null;
            List<ClaimedDelivery>? stale = null;
            bool refill;
            lock (_gate)
            {
                _inFlight--;
                refill = false;
                if (_endpoints.TryGetValue(claim.EndpointId, out var queue))
                {
                    queue.Running--;
                    queue.LastProgress = Now();
                    refill = Left(queue);
                }

                refill |= TakeLocked(ref next, ref stale, 1);
            }

            AfterTake(stale, refill);
            _progress.Notify();
            claim = next?[0];
        }
    }

    private async Task<DeliveryResult> AttemptAsync(ClaimedDelivery claim, CancellationToken cancellationToken)
    {
        var target = await _directory.FindAsync(claim.EndpointId, cancellationToken);
        if (target is null || !target.Enabled)
        {
            // Nothing is sent and no attempt is counted; the log says why, and a redelivery can follow re-enabling.
            var reason = target is null ? "registration deleted" : "registration disabled";
            _logger.EndpointUnavailable(claim.Id, claim.EndpointId, reason);
            _metrics.DeliveryFinished(DeliveryStatus.Failed);
            return new DeliveryResult(claim, DeliveryStatus.Failed, claim.AttemptCount, claim.NextAttemptAt, Now(), reason, null);
        }

        var outcome = await _sender.SendAsync(target, claim.WebhookId, claim.Payload, cancellationToken);
        _metrics.AttemptFinished(outcome);
        var result = RetryPolicy.Decide(claim, outcome, _options, Now(), Random.Shared);
        _logger.AttemptDone(claim.Id, result.AttemptCount, claim.EndpointId, outcome.Failure?.ToString() ?? "success", outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds);
        if (result.Status != DeliveryStatus.Pending) _metrics.DeliveryFinished(result.Status);
        if (result.Status == DeliveryStatus.Failed) _logger.DeliveryFailed(claim.Id, claim.EndpointId, result.AttemptCount, outcome.Error);
        return result;
    }

    /// <summary>Writes results in batches: what piled up, plus what arrives within <see cref="DeliveryOptions.ResultFlushDelay"/>.</summary>
    private async Task RunWriterAsync(CancellationToken hardStop)
    {
        var reader = _results.Reader;
        var batch = new List<DeliveryResult>(_options.ResultBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(hardStop))
            {
                while (batch.Count < _options.ResultBatchSize && reader.TryRead(out var result)) batch.Add(result);
                if (batch.Count < _options.ResultBatchSize && _options.ResultFlushDelay > TimeSpan.Zero)
                {
                    using var linger = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
                    linger.CancelAfter(_options.ResultFlushDelay);
                    try
                    {
                        while (batch.Count < _options.ResultBatchSize && await reader.WaitToReadAsync(linger.Token))
                        {
                            while (batch.Count < _options.ResultBatchSize && reader.TryRead(out var result)) batch.Add(result);
                        }
                    }
                    catch (OperationCanceledException) when (!hardStop.IsCancellationRequested)
                    {
                        // Lingered long enough: write what we have.
                    }
                }

                var failures = 0;
                while (true)
                {
                    try
                    {
                        var lost = await _store.WriteAsync(batch, hardStop);
                        if (lost > 0) _logger.LeaseLost(lost);
                        _metrics.Written(batch.Count);
                        Written(batch);
                        break;
                    }
                    catch (Exception ex) when (!hardStop.IsCancellationRequested)
                    {
                        failures++;
                        var delay = Backoff(failures);
                        _logger.WriteFailed(ex, batch.Count, failures, delay);
                        await Task.Delay(delay, _time, hardStop);
                    }
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
            _logger.ResultsAbandoned(batch.Count + reader.Count);
        }
    }

    /// <summary>Rows written back as pending are due again at a time this node knows: the loop claims them then.</summary>
    private void Written(List<DeliveryResult> batch)
    {
        var any = false;
        lock (_gate)
        {
            foreach (var result in batch)
            {
                // Bounded: beyond it, the periodic discovery finds the rest.
                if (result.Status != DeliveryStatus.Pending || _ownDue.Count >= MaxOwnDue) continue;
                _ownDue.Enqueue(result.Claim.EndpointId, result.NextAttemptAt);
                any = true;
            }
        }

        if (any) _hungry.Notify();
    }

    /// <summary>
    /// Shutdown: held rows are handed back at once; sends in flight get <see cref="DeliveryOptions.ShutdownGrace"/>
    /// to finish, then are cancelled and handed back; the writer then writes everything and stops.
    /// </summary>
    private async Task DrainAsync(Task writer)
    {
        List<ClaimedDelivery> waiting = [];
        lock (_gate)
        {
            _stopping = true;
            foreach (var queue in _endpoints.Values)
            {
                while (queue.Waiting.TryDequeue(out var claim)) waiting.Add(claim);
            }

            _ready.Clear();
            _held -= waiting.Count;
        }

        foreach (var claim in waiting) await _results.Writer.WriteAsync(DeliveryResult.Release(claim), CancellationToken.None);

        _sendsStop.CancelAfter(_options.ShutdownGrace);
        using var deadline = new CancellationTokenSource(_options.ShutdownGrace + TimeSpan.FromSeconds(5));
        while (InFlight > 0 && !deadline.IsCancellationRequested)
        {
            try
            {
                await _progress.WaitAsync(deadline.Token).WaitAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
                // Check again.
            }
        }

        _results.Writer.TryComplete();
        _writerStop.CancelAfter(TimeSpan.FromSeconds(5));
        await writer;
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _store.CreateListenerConnectionAsync(cancellationToken);
                if (connection is null) return;
                connection.Notification += (_, e) => _signal.NotifyFromPayload(e.Payload);
                await connection.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxInterceptor.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                _logger.Listening(OutboxInterceptor.Channel);
                failures = 0;
                // Notifications sent while we were not listening are lost: look once.
                _signal.Notify();
                while (true)
                {
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
                    {
                        // A quiet connection may be a dead one: prove it alive or reconnect.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.ListenFailed(ex, OutboxInterceptor.Channel, failures, delay);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                if (connection is not null) await connection.DisposeAsync();
            }
        }
    }

    private async Task SampleBacklogAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (count, oldest) = await _store.BacklogAsync(cancellationToken);
                _metrics.SetBacklog(count, oldest);
                await Task.Delay(_options.MetricsInterval, _time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.BacklogSampleFailed(ex);
                try
                {
                    await Task.Delay(_options.MetricsInterval, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero) return;
        using var any = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(_signal.WaitAsync(any.Token), _hungry.WaitAsync(any.Token), Task.Delay(wait, _time, any.Token));
        await any.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures - 1, 10))));

    public override void Dispose()
    {
        _sendsStop.Dispose();
        _writerStop.Dispose();
        base.Dispose();
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
    }
}
