using Microsoft.EntityFrameworkCore;

namespace TechLink.Delivery.Model;

/// <summary>
/// The largest delivery and event ids assigned before <see cref="RecordedAt"/>, written about once a minute
/// (<see cref="IdMarks"/>). It replaces indexes on <c>created_at</c>: a row's <c>created_at</c> is taken before its
/// insert and ids only grow (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so every row created at or after a
/// mark's instant has an id above the mark's. A time range's lower end thus becomes a lower bound on the primary key or
/// on the <c>(…, id)</c> indexes, and the range itself stays an exact filter on the rows; the other way round, every
/// id at or below a mark's was created before its instant, so retention's cutoff becomes an upper bound on the key.
/// </summary>
public sealed class IdMark
{
    public long Id { get; set; }
    public DateTime RecordedAt { get; set; }
    public long DeliveryId { get; set; }
    public long EventId { get; set; }
}

/// <summary>Records marks and answers the id floors of an instant.</summary>
public static class IdMarks
{
    /// <summary>How often a node records a mark: the floors are this coarse (a minute of rows more to filter).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Floors come from a mark recorded at least this long before the instant asked: the bound stays exact while the
    /// clocks of the nodes that write rows and record marks differ by less (or a clock steps back by less).
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Records a mark of the ids assigned so far, unless they are the last mark's (nothing was written since: that
    /// mark's floors still hold) or there are none. The ids are read before the instant is taken, so no row created at
    /// or after the instant can have an id at or below them. Answers the mark written, or null.
    /// </summary>
    public static async Task<IdMark?> RecordAsync(DbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(time);
        var deliveries = await db.Set<DeliveryRecord>().MaxAsync(d => (long?)d.Id, cancellationToken) ?? 0;
        var events = await db.Set<OutboxMessage>().MaxAsync(m => (long?)m.Id, cancellationToken) ?? 0;
        var now = time.GetUtcNow().UtcDateTime;
        // No mark at all bounds like a mark of nothing (floors of 0).
        var last = await db.Set<IdMark>().AsNoTracking().OrderByDescending(m => m.Id)
            .Select(m => new { m.DeliveryId, m.EventId }).FirstOrDefaultAsync(cancellationToken) ?? new { DeliveryId = 0L, EventId = 0L };
        if (last.DeliveryId == deliveries && last.EventId == events) return null;
        var mark = new IdMark { RecordedAt = now, DeliveryId = deliveries, EventId = events };
        db.Add(mark);
        await db.SaveChangesAsync(cancellationToken);
        return mark;
    }

    /// <summary>An id below every delivery created at or after <paramref name="since"/> (0 when no mark is old enough).</summary>
    public static async Task<long> DeliveryFloorAsync(DbContext db, DateTime since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Before(db, since) is { } marks ? await marks.Select(m => (long?)m.DeliveryId).FirstOrDefaultAsync(cancellationToken) ?? 0 : 0;
    }

    /// <summary>An id below every event created at or after <paramref name="since"/> (0 when no mark is old enough).</summary>
    public static async Task<long> EventFloorAsync(DbContext db, DateTime since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Before(db, since) is { } marks ? await marks.Select(m => (long?)m.EventId).FirstOrDefaultAsync(cancellationToken) ?? 0 : 0;
    }

    /// <summary>
    /// Deletes the marks recorded before the one that gives the floors of <paramref name="since"/> (retention's earliest
    /// cutoff): rows created before <paramref name="since"/> may be gone, so those marks bound nothing kept, while that one
    /// still bounds what is left (and the sweeps after this one, until a newer mark is old enough).
    /// </summary>
    public static async Task<int> DeleteBeforeFloorAsync(DbContext db, DateTime since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (Before(db, since) is not { } marks) return 0;
        if (await marks.Select(m => (DateTime?)m.RecordedAt).FirstOrDefaultAsync(cancellationToken) is not { } floor) return 0;
        return await db.Set<IdMark>().Where(m => m.RecordedAt < floor).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The marks old enough for <paramref name="since"/>, newest first; null before year 1 plus the margin.</summary>
    private static IQueryable<IdMark>? Before(DbContext db, DateTime since)
    {
        if (since.Ticks < Margin.Ticks) return null;
        var latest = since - Margin;
        return db.Set<IdMark>().AsNoTracking().Where(m => m.RecordedAt <= latest).OrderByDescending(m => m.RecordedAt);
    }
}
