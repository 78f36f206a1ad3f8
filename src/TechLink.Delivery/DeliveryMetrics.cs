using System.Diagnostics.Metrics;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;

namespace TechLink.Delivery;

/// <summary>Meter <c>TechLink.Delivery</c>: attempts and finished deliveries by outcome, attempt latency, claim and write batch sizes, backlog.</summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "TechLink.Delivery";

    private readonly Counter<long> _attempts;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _endpointFailures;
    private readonly Histogram<double> _duration;
    private readonly Histogram<int> _claimed;
    private readonly Counter<long> _handed;
    private readonly Histogram<int> _written;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long? _backlog;
    private DateTime? _oldestPending;

    public DeliveryMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
#pragma warning disable CA2000 // Meters made by an IMeterFactory belong to the factory, which disposes them with the container.
        var meter = meterFactory.Create(MeterName);
#pragma warning restore CA2000
        _attempts = meter.CreateCounter<long>("techlink.delivery.attempts", "{attempt}", "Webhook POSTs, tagged with outcome (success or the failure kind).");
        _deliveries = meter.CreateCounter<long>("techlink.delivery.deliveries", "{delivery}", "Deliveries that reached a final status, tagged with outcome (succeeded, failed).");
        _endpointFailures = meter.CreateCounter<long>("techlink.delivery.endpoint.failed_attempts", "{attempt}", "Failed webhook POSTs, tagged with endpoint (the registration id) and outcome: only endpoints that fail get a series.");
        _duration = meter.CreateHistogram<double>("techlink.delivery.attempt.duration", "ms", "Duration of one webhook POST.");
        _claimed = meter.CreateHistogram<int>("techlink.delivery.claim.size", "{delivery}", "Rows taken by one claim round (its per-endpoint claim and fan-out window; round trips per delivery ≈ 1 / size).");
        _handed = meter.CreateCounter<long>("techlink.delivery.handed", "{delivery}", "Deliveries handed to the local dispatcher by the committing transaction (the local fast path: no claim).");
        _written = meter.CreateHistogram<int>("techlink.delivery.write.size", "{delivery}", "Results written by one result transaction.");
        meter.CreateObservableGauge("techlink.delivery.backlog", ObserveBacklog, "{delivery}", "Pending deliveries (sampled by dispatcher nodes).");
        meter.CreateObservableGauge("techlink.delivery.oldest_pending_age", ObserveOldestAge, "s", "How long the earliest-due pending delivery has been due (sampled by dispatcher nodes).");
    }

    internal void AttemptFinished(AttemptOutcome outcome)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.Failure is { } kind ? kind.ToString() : "success");
        _attempts.Add(1, tag);
        _duration.Record(outcome.Duration.TotalMilliseconds, tag);
    }

    /// <summary>A failed attempt, counted per endpoint (the per-endpoint failures panel).</summary>
    internal void AttemptFailed(long endpointId, AttemptOutcome outcome)
    {
        if (outcome.Failure is not { } kind) return;
        _endpointFailures.Add(1, new KeyValuePair<string, object?>("endpoint", endpointId), new KeyValuePair<string, object?>("outcome", kind.ToString()));
    }

    internal void Claimed(int rows) => _claimed.Record(rows);

    internal void Handed(int rows) => _handed.Add(rows);

    internal void Written(int results) => _written.Record(results);

    internal void DeliveryFinished(DeliveryStatus status) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", status == DeliveryStatus.Succeeded ? "succeeded" : "failed"));

    internal void SetBacklog(long count, DateTime? oldestPending)
    {
        lock (_gate)
        {
            _backlog = count;
            _oldestPending = oldestPending;
        }
    }

    private IEnumerable<Measurement<long>> ObserveBacklog()
    {
        lock (_gate)
        {
            return _backlog is { } value ? [new Measurement<long>(value)] : [];
        }
    }

    private IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        lock (_gate)
        {
            if (_backlog is null) return [];
            var age = _oldestPending is { } oldest ? Math.Max(0, (_time.GetUtcNow().UtcDateTime - oldest).TotalSeconds) : 0;
            return [new Measurement<double>(age)];
        }
    }
}
