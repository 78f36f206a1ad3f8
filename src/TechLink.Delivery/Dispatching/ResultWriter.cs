using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Writes the send slots' results back in batches: what piled up, plus what arrives within
/// <see cref="DeliveryOptions.ResultFlushDelay"/>, up to <see cref="DeliveryOptions.ResultBatchSize"/> per transaction;
/// a failed write is retried with a backoff (the leases keep the rows ours meanwhile). Rows written back as pending are
/// told to the <see cref="EndpointScheduler"/>, so the node claims its own retries when they fall due.
/// </summary>
internal sealed class ResultWriter
{
    private readonly IDeliveryStore _store;
    private readonly EndpointScheduler _scheduler;
    private readonly DeliverySignal _retriesDue;
    private readonly DeliveryMetrics _metrics;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<DeliveryResult> _results;
    private readonly AutoDisableCheck? _autoDisable;

    /// <summary>Run after each written batch that parked rows (set by the dispatcher).</summary>
    public PauseRecheck? Recheck { get; init; }

    /// <param name="retriesDue">Raised when results were written back as pending (their endpoints will want claims).</param>
    /// <param name="watcher">Told, after each batch commits, of endpoints that meet the auto-disable rule (none: the rule is off).</param>
    public ResultWriter(IDeliveryStore store, EndpointScheduler scheduler, DeliverySignal retriesDue, DeliveryMetrics metrics, DeliveryOptions options, TimeProvider time, ILogger logger,
        Health.IEndpointFailureWatcher? watcher = null)
    {
        _autoDisable = watcher is null ? null : new AutoDisableCheck(watcher, options.AutoDisable, logger);
        _store = store;
        _scheduler = scheduler;
        _retriesDue = retriesDue;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
        _results = Channel.CreateBounded<DeliveryResult>(new BoundedChannelOptions(scheduler.HoldTotal + options.ResultBatchSize)
        {
            SingleReader = true,
        });
    }

    /// <summary>Queues a result; after <see cref="Complete"/> it is dropped (the lease expires and the row is sent again).</summary>
    public async ValueTask AddAsync(DeliveryResult result)
    {
        try
        {
            await _results.Writer.WriteAsync(result, CancellationToken.None);
        }
        catch (ChannelClosedException)
        {
            // Shutting down: the lease will expire and another pass sends it again.
        }
    }

    /// <summary>Hands a held row back (no attempt counted) without waiting.</summary>
    public void Release(ClaimedDelivery claim)
    {
        if (!_results.Writer.TryWrite(DeliveryResult.Release(claim)))
        {
            // The writer is full or closed: the lease expires on its own and the row is claimed again then.
            _logger.ResultsAbandoned(1);
        }
    }

    /// <summary>No more results: <see cref="RunAsync"/> writes what is queued and ends.</summary>
    public void Complete() => _results.Writer.TryComplete();

    public async Task RunAsync(CancellationToken hardStop)
    {
        var reader = _results.Reader;
        var batch = new List<DeliveryResult>(_options.ResultBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(hardStop))
            {
                await FillAsync(reader, batch, hardStop);
                await WriteAsync(batch, hardStop);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
            _logger.ResultsAbandoned(batch.Count + reader.Count);
        }
    }

    private async Task FillAsync(ChannelReader<DeliveryResult> reader, List<DeliveryResult> batch, CancellationToken hardStop)
    {
        while (batch.Count < _options.ResultBatchSize && reader.TryRead(out var result)) batch.Add(result);
        if (batch.Count >= _options.ResultBatchSize || _options.ResultFlushDelay <= TimeSpan.Zero) return;
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

    private async Task WriteAsync(List<DeliveryResult> batch, CancellationToken hardStop)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                var writtenAt = _time.GetUtcNow().UtcDateTime;
                var written = await _store.WriteAsync(batch, hardStop);
                // A failure here writes the batch again: harmless, its leases are gone so nothing is written twice.
                if (Recheck is not null) await Recheck.AfterWriteAsync(batch, hardStop);
                if (written.Lost > 0) _logger.LeaseLost(written.Lost);
                _metrics.Written(batch.Count);
                if (_scheduler.Written(batch)) _retriesDue.Notify();
                if (_autoDisable is not null) await _autoDisable.CheckAsync(written.Health, writtenAt, hardStop);
                return;
            }
            catch (Exception ex) when (!hardStop.IsCancellationRequested)
            {
                failures++;
                var delay = Backoff.After(failures);
                _logger.WriteFailed(ex, batch.Count, failures, delay);
                await Task.Delay(delay, _time, hardStop);
            }
        }
    }
}
