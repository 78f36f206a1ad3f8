using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Claims due deliveries per endpoint with a lease, holds them in a local queue per endpoint, sends them with bounded
/// concurrency (globally and per endpoint), and writes the results back in batches. Woken by commits
/// (<see cref="DeliverySignal"/>, NOTIFY on PostgreSQL, both naming the endpoints), by its own retries falling due and
/// by a held queue running low; a discovery every <see cref="DeliveryOptions.IdlePollInterval"/> finds the rest (other
/// nodes' retries, expired leases of a node that died).
/// </summary>
/// <remarks>
/// <para>The parts: <see cref="EndpointScheduler"/> decides what to claim and what to start (fair shares, leases,
/// not-answering endpoints; no I/O), <see cref="Attempter"/> makes one attempt, <see cref="ResultWriter"/> writes results
/// in batches, an <see cref="IDeliveryWakeSource"/> hears other nodes' commits (PostgreSQL's LISTEN), <see cref="BacklogSampler"/> feeds the
/// gauges. This class runs the loop and the send slots, and drains at shutdown.</para>
/// <para>Cost: one claim statement per round for all the endpoints it tops up (each read through its own
/// <c>(endpoint, status, due)</c> index range, payloads included), and one write transaction per batch of results,
/// instead of several round trips per delivery. No claim scans another endpoint's backlog, so a deep backlog costs
/// nothing to the endpoints behind it.</para>
/// <para>At shutdown the held rows are handed back at once and sends in flight get
/// <see cref="DeliveryOptions.ShutdownGrace"/> to finish before they are cancelled and handed back too.</para>
/// </remarks>
public sealed class DeliveryDispatcher : BackgroundService, ILocalSink
{
    private readonly IDeliveryStore _store;
    private readonly IEndpointDirectory _directory;
    private readonly DeliverySignal _signal;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly DeliveryNode _node;
    private readonly ILogger<DeliveryDispatcher> _logger;
    private readonly EndpointScheduler _scheduler;
    private readonly Attempter _attempter;
    private readonly ResultWriter _writer;
    private readonly IDeliveryWakeSource _wakeSource;
    private readonly DispatcherHealth _health;
    private readonly BacklogSampler _sampler;
    private readonly LocalHandoff? _handoff;

    /// <summary>Raised when the held rows ran low (claim more) or one of our own retries may have fallen due.</summary>
    private readonly DeliverySignal _hungry = new();
    private readonly DeliverySignal _progress = new();
    private readonly CancellationTokenSource _sendsStop = new();
    private readonly CancellationTokenSource _writerStop = new();

    internal DeliveryDispatcher(
        IDeliveryStore store,
        IDeliveryWakeSource wakeSource,
        WebhookSender sender,
        IEndpointDirectory directory,
        DeliverySignal signal,
        DeliveryMetrics metrics,
        DispatcherHealth health,
        TimeProvider time,
        DeliveryOptions options,
        DeliveryNode node,
        ILogger<DeliveryDispatcher> logger,
        Health.IEndpointFailureWatcher? failureWatcher = null,
        IPayloadFinisher? finisher = null,
        LocalHandoff? handoff = null)
    {
        _handoff = options.LocalHandoff ? handoff : null;
        _store = store;
        _directory = directory;
        _signal = signal;
        _metrics = metrics;
        _health = health;
        _time = time;
        _options = options;
        _node = node;
        _logger = logger;
        _scheduler = new EndpointScheduler(options);
        _attempter = new Attempter(sender, directory, metrics, options, time, logger, finisher);
        _writer = new ResultWriter(store, _scheduler, _hungry, metrics, options, time, logger, failureWatcher)
        {
            Recheck = new PauseRecheck(store, directory, signal, logger),
        };
        _wakeSource = wakeSource;
        _sampler = new BacklogSampler(store, metrics, options, time, logger);
    }

    /// <summary>Sends in flight on this node.</summary>
    internal int InFlight => _scheduler.InFlight;

    /// <summary>Takes local hand-overs from the moment the host has started it (commits right after start included).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _handoff?.Attach(this);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _logger.DispatcherStarted(_node.Id);
        var writer = Task.Run(() => _writer.RunAsync(_writerStop.Token), CancellationToken.None);
        var listener = Task.Run(() => _wakeSource.RunAsync(stoppingToken), CancellationToken.None);
        var sampler = Task.Run(() => _sampler.RunAsync(stoppingToken), CancellationToken.None);

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchOnceAsync(stoppingToken);
                failures = 0;
                _health.LoopSucceeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                _health.LoopFailed();
                var delay = Backoff.After(failures);
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
        var slow = _scheduler.NotAnswering(Now());
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
        if (_scheduler.Want(named, unknown, now))
        {
            var found = await _store.DiscoverAsync(_scheduler.FullEndpoints(), now, cancellationToken);
            _scheduler.Discovered(found, now);
        }

        var asks = _scheduler.Asks();
        var window = _scheduler.Window(asks);
        if (asks.Count > 0 || window is not null)
        {
            var leaseUntil = now + _options.Lease;
            var claims = asks.Count > 0 ? await _store.ClaimAsync(asks, now, leaseUntil, cancellationToken) : [];
            var wide = window is null ? null : await _store.ClaimWindowAsync(window, now, leaseUntil, cancellationToken);
            var count = claims.Count + (wide?.Claims.Count ?? 0);
            _metrics.Claimed(count);
            if (count > 0) await PrefetchAsync(wide is null ? claims : [.. claims, .. wide.Claims], cancellationToken);
            if (asks.Count > 0) _scheduler.Claimed(asks, claims, Now());
            if (wide is not null) _scheduler.ClaimedWindow(window!, wide, Now());
            if (count > 0)
            {
                _logger.Claimed(count);
                Pump();
            }

            // An endpoint that gave all it was asked for may have more, and a window that found rows may find more:
            // claim again at once if there is room for it.
            if (_scheduler.Asks() is { } again && (again.Count > 0 || _scheduler.Window(again) is not null)) return;
        }

        await WaitAsync(_scheduler.NextWait(Now()), cancellationToken);
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

    /// <summary>Starts held rows while there are free slots; ready endpoints take turns.</summary>
    private void Pump()
    {
        var taken = _scheduler.Take(Now(), int.MaxValue);
        AfterTake(taken);
        if (taken.Start is null) return;
        foreach (var claim in taken.Start) _ = Task.Run(() => RunAsync(claim), CancellationToken.None);
    }

    private void AfterTake(Taken taken)
    {
        if (taken.Stale is not null)
        {
            foreach (var claim in taken.Stale) _writer.Release(claim);
        }

        if (taken.Refill) _hungry.Notify();
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
                result = await _attempter.AttemptAsync(claim, cancellationToken);
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

            await _writer.AddAsync(result);
            var next = _scheduler.Finished(claim, Now());
            AfterTake(next);
            _progress.Notify();
            claim = next.Start?[0];
        }
    }

    /// <summary>
    /// Shutdown: held rows are handed back at once; sends in flight get <see cref="DeliveryOptions.ShutdownGrace"/>
    /// to finish, then are cancelled and handed back; the writer then writes everything and stops.
    /// </summary>
    private async Task DrainAsync(Task writer)
    {
        _handoff?.Detach(this);
        foreach (var claim in _scheduler.Stop()) await _writer.AddAsync(DeliveryResult.Release(claim));

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

        _writer.Complete();
        _writerStop.CancelAfter(TimeSpan.FromSeconds(5));
        await writer;
    }

    /// <summary>The local fast path: which of a commit's deliveries to write leased to this node (<see cref="LocalHandoff"/>).</summary>
    LocalLease? ILocalSink.Offer(IReadOnlyList<PendingEvent> events)
    {
        var leased = _scheduler.Offer([.. events.SelectMany(e => e.Deliveries.Select(d => d.EndpointId))]);
        return leased is null ? null : new LocalLease(_node.Id, Now() + _options.Lease, leased);
    }

    /// <summary>Rows a committed transaction wrote leased to this node: held and started like claimed ones, no claim statement.</summary>
    void ILocalSink.Accept(List<ClaimedDelivery> claims)
    {
        if (!_scheduler.Handed(claims, Now()))
        {
            foreach (var claim in claims) _writer.Release(claim);
            return;
        }

        _metrics.Handed(claims.Count);
        Pump();
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

    public override void Dispose()
    {
        _sendsStop.Dispose();
        _writerStop.Dispose();
        base.Dispose();
    }
}
