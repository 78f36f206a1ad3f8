using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Claims due deliveries with a lease, sends them with bounded concurrency (globally and per endpoint), records
/// every attempt and schedules retries. Woken by commits (<see cref="DeliverySignal"/>, NOTIFY on PostgreSQL), by
/// finished sends and by the next due time; the idle poll is only a safety net. An expired lease is simply
/// claimable again, which is what picks up the work of a node that died.
/// </summary>
/// <remarks>
/// Fairness: a claim asks only for as many rows as there are free global slots, and skips endpoints that already
/// have <see cref="DeliveryOptions.MaxConcurrencyPerEndpoint"/> sends in flight on this node; rows beyond an
/// endpoint's free slots within one batch are handed back at once. So a dead endpoint with a deep backlog holds at
/// most its per-endpoint share of slots and its rows never fill the claim batches of the others.
/// </remarks>
public sealed class DeliveryDispatcher : BackgroundService
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly IDeliveryStore _store;
    private readonly WebhookSender _sender;
    private readonly IEndpointDirectory _directory;
    private readonly DeliverySignal _signal;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly DeliveryNode _node;
    private readonly ILogger<DeliveryDispatcher> _logger;

    private readonly DeliverySignal _progress = new();
    private readonly Channel<DeliveryResult> _results;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, int> _perEndpoint = [];
    private readonly CancellationTokenSource _sendsStop = new();
    private readonly CancellationTokenSource _writerStop = new();
    private int _inFlight;
    private int _dueButUnclaimed;

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
        _results = Channel.CreateBounded<DeliveryResult>(new BoundedChannelOptions(options.MaxConcurrency + options.ResultBatchSize)
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

    private async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var (free, saturated) = Snapshot();
        var wait = _options.IdlePollInterval;
        if (free > 0)
        {
            var now = Now();
            var limit = Math.Min(_options.ClaimBatchSize, free);
            var claims = await _store.ClaimAsync(limit, saturated, now, now + _options.Lease, cancellationToken);
            List<ClaimedDelivery>? overCap = null;
            foreach (var claim in claims)
            {
                if (!TryStart(claim)) (overCap ??= []).Add(claim);
            }

            if (overCap is not null) await _store.ReleaseAsync(overCap, cancellationToken);
            if (claims.Count > 0) _logger.Claimed(claims.Count, overCap?.Count ?? 0);
            if (claims.Count == limit)
            {
                _dueButUnclaimed = 0;
                return;
            }

            (free, saturated) = Snapshot();
            if (free > 0)
            {
                var next = await _store.NextDueAsync(saturated, now, cancellationToken);
                if (next is { } due && due <= now)
                {
                    // Rows committed since the claim, or locked by another node's claim a moment ago: look again,
                    // but never spin on something the claim cannot take.
                    if (++_dueButUnclaimed < 20) return;
                    wait = TimeSpan.FromMilliseconds(100);
                }
                else
                {
                    _dueButUnclaimed = 0;
                    if (next is { } later && later - Now() < wait) wait = later - Now();
                }
            }
        }

        await WaitAsync(wait, cancellationToken);
    }

    private (int Free, long[] Saturated) Snapshot()
    {
        lock (_gate)
        {
            var cap = _options.MaxConcurrencyPerEndpoint;
            return (_options.MaxConcurrency - _inFlight, [.. _perEndpoint.Where(e => e.Value >= cap).Select(e => e.Key)]);
        }
    }

    private bool TryStart(ClaimedDelivery claim)
    {
        lock (_gate)
        {
            var running = _perEndpoint.GetValueOrDefault(claim.EndpointId);
            if (running >= _options.MaxConcurrencyPerEndpoint) return false;
            _perEndpoint[claim.EndpointId] = running + 1;
            _inFlight++;
        }

        _ = Task.Run(() => ProcessAsync(claim), CancellationToken.None);
        return true;
    }

    private async Task ProcessAsync(ClaimedDelivery claim)
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
            result = DeliveryResult.Release(claim, Now() + TimeSpan.FromSeconds(5));
        }

        try
        {
            await _results.Writer.WriteAsync(result, CancellationToken.None);
        }
        catch (ChannelClosedException)
        {
            // Shutting down: the lease will expire and another pass sends it again.
        }
        finally
        {
            lock (_gate)
            {
                _inFlight--;
                var running = _perEndpoint[claim.EndpointId] - 1;
                if (running == 0) _perEndpoint.Remove(claim.EndpointId);
                else _perEndpoint[claim.EndpointId] = running;
            }

            _progress.Notify();
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

    private async Task RunWriterAsync(CancellationToken hardStop)
    {
        var reader = _results.Reader;
        var batch = new List<DeliveryResult>(_options.ResultBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(hardStop))
            {
                // Whatever piled up while the previous write ran goes in one transaction.
                while (batch.Count < _options.ResultBatchSize && reader.TryRead(out var result)) batch.Add(result);
                var failures = 0;
                while (true)
                {
                    try
                    {
                        var lost = await _store.WriteAsync(batch, hardStop);
                        if (lost > 0) _logger.LeaseLost(lost);
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
                _progress.Notify();
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
            _logger.ResultsAbandoned(batch.Count + reader.Count);
        }
    }

    private async Task DrainAsync(Task writer)
    {
        // Sends in flight may finish within the grace period; then they are cancelled and their leases handed back.
        _sendsStop.CancelAfter(ShutdownGrace);
        using var deadline = new CancellationTokenSource(ShutdownGrace * 2);
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
        _writerStop.CancelAfter(ShutdownGrace);
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
                connection.Notification += (_, _) => _signal.Notify();
                await connection.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {DeliveryWakeInterceptor.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                _logger.Listening(DeliveryWakeInterceptor.Channel);
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
                _logger.ListenFailed(ex, DeliveryWakeInterceptor.Channel, failures, delay);
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
        await Task.WhenAny(_signal.WaitAsync(any.Token), _progress.WaitAsync(any.Token), Task.Delay(wait, _time, any.Token));
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
}
