using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Retention;

/// <summary>
/// Deletes what has outlived <see cref="RetentionOptions"/>, every <see cref="RetentionOptions.SweepInterval"/> (the first
/// sweep at start-up): finished deliveries with their attempts, events none of whose deliveries is pending (with their
/// finished deliveries), old stats buckets and <see cref="IdMark"/>s, then the host's <see cref="IRetentionTask"/>s. A
/// pending delivery is never deleted, nor its event. Each batch of <see cref="RetentionOptions.BatchSize"/> rows is its own short transaction that
/// first takes the <see cref="IRetentionLock"/>: on SQLite the writer is free between batches, on PostgreSQL one node
/// sweeps at a time (another node's sweep stops at its first refused batch and waits for its next interval).
/// </summary>
public sealed class RetentionSweeper : BackgroundService
{
    private readonly Func<DbContext> _createDb;
    private readonly IRetentionLock _lock;
    private readonly IReadOnlyList<IRetentionTask> _hostTasks;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal RetentionSweeper(Func<DbContext> createDb, IRetentionLock retentionLock, IEnumerable<IRetentionTask> hostTasks, RetentionOptions options,
        TimeProvider time, ILogger<RetentionSweeper> logger)
    {
        _createDb = createDb;
        _lock = retentionLock;
        _hostTasks = [.. hostTasks];
        _options = options;
        _time = time;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodically.RunAsync(SweepAsync, _options.SweepInterval, _time, ex => _logger.RetentionFailed(ex, _options.SweepInterval), stoppingToken);

    /// <summary>One sweep, now.</summary>
    public async Task<RetentionResult> SweepAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cutoffs = RetentionCutoffs.At(_time.GetUtcNow().UtcDateTime, _options);
        var batches = 0;
        var (deliveries, skipped) = await RepeatAsync(db => DeleteDeliveriesAsync(db, cutoffs.Deliveries, cancellationToken), b => batches += b, cancellationToken);
        var (events, s2) = skipped ? (0, true) : await RepeatAsync(db => DeleteEventsAsync(db, cutoffs.Events, cancellationToken), b => batches += b, cancellationToken);
        var (stats, s3) = s2 ? (0, true) : await OnceAsync(db => db.Set<EndpointStatsBucket>().Where(b => b.BucketStart < cutoffs.Stats).ExecuteDeleteAsync(cancellationToken), cancellationToken);
        // A mark bounds rows created after it: once both kinds of row before it may be gone, it bounds nothing kept.
        var marksBefore = cutoffs.Deliveries < cutoffs.Events ? cutoffs.Deliveries : cutoffs.Events;
        var (marks, s4) = s3 ? (0, true) : await OnceAsync(db => db.Set<IdMark>().Where(m => m.RecordedAt < marksBefore).ExecuteDeleteAsync(cancellationToken), cancellationToken);
        var host = 0;
        skipped = s4;
        foreach (var task in _hostTasks)
        {
            if (skipped) break;
            (var n, skipped) = await OnceAsync(db => task.SweepAsync(db, cutoffs, cancellationToken), cancellationToken);
            host += n;
        }

        if (skipped && deliveries + events + stats + marks + host == 0)
        {
            _logger.RetentionSkipped();
            return RetentionResult.None;
        }

        if (deliveries + events + stats + host > 0) _logger.RetentionSwept(deliveries, events, stats, host, batches, clock.ElapsedMilliseconds);
        return new RetentionResult(deliveries, events, stats, host, batches, skipped) { IdMarks = marks };
    }

    /// <summary>Runs <paramref name="batch"/> in transactions of its own until one deletes less than a full batch.</summary>
    private async Task<(int Deleted, bool Skipped)> RepeatAsync(Func<DbContext, Task<int>> batch, Action<int> counted, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var (deleted, skipped) = await OnceAsync(batch, cancellationToken);
            if (skipped) return (total, true);
            counted(1);
            total += deleted;
            if (deleted < _options.BatchSize) return (total, false);
        }
    }

    private async Task<(int Deleted, bool Skipped)> OnceAsync(Func<DbContext, Task<int>> work, CancellationToken cancellationToken)
    {
        await using var db = _createDb();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await _lock.TryTakeAsync(db, cancellationToken)) return (0, true);
        var deleted = await work(db);
        await transaction.CommitAsync(cancellationToken);
        return (deleted, false);
    }

    private async Task<int> DeleteDeliveriesAsync(DbContext db, DateTime cutoff, CancellationToken cancellationToken)
    {
        var ids = await db.Set<DeliveryRecord>()
            .Where(d => d.Status != DeliveryStatus.Pending && d.CreatedAt < cutoff)
            .OrderBy(d => d.Id).Select(d => d.Id).Take(_options.BatchSize).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        // The status is asked again: a row made pending again since (a replay) stays, with its attempts.
        await db.Set<DeliveryAttempt>()
            .Where(a => ids.Contains(a.DeliveryId) && db.Set<DeliveryRecord>().Any(d => d.Id == a.DeliveryId && d.Status != DeliveryStatus.Pending))
            .ExecuteDeleteAsync(cancellationToken);
        await db.Set<DeliveryRecord>().Where(d => ids.Contains(d.Id) && d.Status != DeliveryStatus.Pending).ExecuteDeleteAsync(cancellationToken);
        return ids.Count;
    }

    private async Task<int> DeleteEventsAsync(DbContext db, DateTime cutoff, CancellationToken cancellationToken)
    {
        var deliveries = db.Set<DeliveryRecord>();
        var ids = await db.Set<OutboxMessage>()
            .Where(m => m.CreatedAt < cutoff && !deliveries.Any(d => d.EventId == m.Id && d.Status == DeliveryStatus.Pending))
            .OrderBy(m => m.Id).Select(m => m.Id).Take(_options.BatchSize).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        var kept = deliveries.Where(d => ids.Contains(d.EventId) && d.Status == DeliveryStatus.Pending).Select(d => d.EventId);
        await db.Set<DeliveryAttempt>()
            .Where(a => deliveries.Any(d => d.Id == a.DeliveryId && ids.Contains(d.EventId) && !kept.Contains(d.EventId)))
            .ExecuteDeleteAsync(cancellationToken);
        await deliveries.Where(d => ids.Contains(d.EventId) && !kept.Contains(d.EventId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id) && !kept.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        return ids.Count;
    }
}
