using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Retention;

/// <summary>
/// Deletes what has outlived <see cref="RetentionOptions"/>, every <see cref="RetentionOptions.SweepInterval"/> (the first
/// sweep at start-up): finished deliveries with their attempts, events none of whose deliveries is pending (with their
/// finished deliveries), old stats buckets and <see cref="IdMark"/>s, then the host's <see cref="IRetentionTask"/>s.
/// Deliveries and events are found along their primary keys up to the id floor of their cutoff, not by an index on
/// <c>created_at</c>: a row whose id is above the floor although it is old (an <see cref="IdMark"/> is recorded once a
/// minute) goes at a later sweep, and none goes early. A
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
        // No index holds created_at: each kind of row is walked along its primary key up to the id floor of its cutoff
        // (every id at or below it was created before the cutoff, see IdMark), from where the last batch stopped.
        var (deliveryWalk, eventWalk) = await WalksAsync(cutoffs, cancellationToken);
        var (deliveries, skipped) = await RepeatAsync(db => DeleteDeliveriesAsync(db, cutoffs.Deliveries, deliveryWalk, cancellationToken), b => batches += b, cancellationToken);
        var (events, s2) = skipped ? (0, true) : await RepeatAsync(db => DeleteEventsAsync(db, cutoffs.Events, eventWalk, cancellationToken), b => batches += b, cancellationToken);
        var (stats, s3) = s2 ? (0, true) : await OnceAsync(db => db.Set<EndpointStatsBucket>().Where(b => b.BucketStart < cutoffs.Stats).ExecuteDeleteAsync(cancellationToken), cancellationToken);
        var marksBefore = cutoffs.Deliveries < cutoffs.Events ? cutoffs.Deliveries : cutoffs.Events;
        var (marks, s4) = s3 ? (0, true) : await OnceAsync(db => IdMarks.DeleteBeforeFloorAsync(db, marksBefore, cancellationToken), cancellationToken);
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

        if (deliveries + events + stats + marks + host > 0) _logger.RetentionSwept(deliveries, events, stats, marks, host, batches, clock.ElapsedMilliseconds);
        return new RetentionResult(deliveries, events, stats, host, batches, skipped) { IdMarks = marks };
    }

    /// <summary>Where one sweep's walk along a primary key is: after <see cref="After"/>, up to <see cref="Ceiling"/>.</summary>
    private sealed class Walk(long ceiling)
    {
        public long Ceiling { get; } = ceiling;
        public long After { get; set; }
    }

    private async Task<(Walk Deliveries, Walk Events)> WalksAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        await using var db = _createDb();
        return (new Walk(await IdMarks.DeliveryFloorAsync(db, cutoffs.Deliveries, cancellationToken)),
            new Walk(await IdMarks.EventFloorAsync(db, cutoffs.Events, cancellationToken)));
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

    /// <summary>
    /// The next batch of finished deliveries older than <paramref name="cutoff"/>, along the primary key after
    /// <paramref name="after"/> up to <paramref name="ceiling"/>; created_at stays a filter, so a row is never deleted
    /// younger than its age whatever the marks say.
    /// </summary>
    internal static IQueryable<long> DeliveriesToDelete(DbContext db, DateTime cutoff, long after, long ceiling, int batch) =>
        db.Set<DeliveryRecord>()
            .Where(d => d.Id > after && d.Id <= ceiling && d.Status != DeliveryStatus.Pending && d.CreatedAt < cutoff)
            .OrderBy(d => d.Id).Select(d => d.Id).Take(batch);

    /// <summary>
    /// The next batch of events older than <paramref name="cutoff"/> none of whose deliveries is pending, as
    /// <see cref="DeliveriesToDelete"/>. Pending is asked as <c>status &lt; 1</c>, which the pending-only indexes
    /// (<c>WHERE status = 0</c>) do not match, so an event's deliveries are read by the event. With <c>status = 0</c>, as a
    /// literal or a bound parameter, SQLite planned (on the tests' database) to walk the pending-only index once per
    /// event: every pending row of a backlog.
    /// </summary>
    internal static IQueryable<long> EventsToDelete(DbContext db, DateTime cutoff, long after, long ceiling, int batch)
    {
        var deliveries = db.Set<DeliveryRecord>();
        return db.Set<OutboxMessage>()
            .Where(m => m.Id > after && m.Id <= ceiling && m.CreatedAt < cutoff && !deliveries.Any(d => d.EventId == m.Id && d.Status < DeliveryStatus.Succeeded))
            .OrderBy(m => m.Id).Select(m => m.Id).Take(batch);
    }

    private async Task<int> DeleteDeliveriesAsync(DbContext db, DateTime cutoff, Walk walk, CancellationToken cancellationToken)
    {
        var ids = await DeliveriesToDelete(db, cutoff, walk.After, walk.Ceiling, _options.BatchSize).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        // The status is asked again: a row made pending again since (a replay) stays, with its attempts.
        await db.Set<DeliveryAttempt>()
            .Where(a => ids.Contains(a.DeliveryId) && db.Set<DeliveryRecord>().Any(d => d.Id == a.DeliveryId && d.Status != DeliveryStatus.Pending))
            .ExecuteDeleteAsync(cancellationToken);
        await db.Set<DeliveryRecord>().Where(d => ids.Contains(d.Id) && d.Status != DeliveryStatus.Pending).ExecuteDeleteAsync(cancellationToken);
        walk.After = ids[^1];
        return ids.Count;
    }

    private async Task<int> DeleteEventsAsync(DbContext db, DateTime cutoff, Walk walk, CancellationToken cancellationToken)
    {
        var deliveries = db.Set<DeliveryRecord>();
        var ids = await EventsToDelete(db, cutoff, walk.After, walk.Ceiling, _options.BatchSize).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        var kept = deliveries.Where(d => ids.Contains(d.EventId) && d.Status < DeliveryStatus.Succeeded).Select(d => d.EventId);
        await db.Set<DeliveryAttempt>()
            .Where(a => deliveries.Any(d => d.Id == a.DeliveryId && ids.Contains(d.EventId) && !kept.Contains(d.EventId)))
            .ExecuteDeleteAsync(cancellationToken);
        await deliveries.Where(d => ids.Contains(d.EventId) && !kept.Contains(d.EventId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id) && !kept.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        walk.After = ids[^1];
        return ids.Count;
    }
}
