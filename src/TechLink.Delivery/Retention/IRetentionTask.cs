using Microsoft.EntityFrameworkCore;

namespace TechLink.Delivery.Retention;

/// <summary>
/// The host's own clean-up that depends on the engine's (e.g. records of replays whose deliveries are gone), run by the
/// sweeper after its own steps, under the same lock. Answers the rows it deleted.
/// </summary>
public interface IRetentionTask
{
    Task<int> SweepAsync(DbContext db, RetentionCutoffs cutoffs, CancellationToken cancellationToken);
}

/// <summary>The instants before which rows go, computed once per sweep.</summary>
public sealed record RetentionCutoffs(DateTime Deliveries, DateTime Events, DateTime Stats)
{
    public static RetentionCutoffs At(DateTime now, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(now - options.Deliveries, now - options.Events, now - options.Stats);
    }
}

/// <summary>What one sweep deleted.</summary>
public sealed record RetentionResult(int Deliveries, int Events, int StatsBuckets, int HostRows, int Batches, bool Skipped)
{
    /// <summary>Id marks deleted: older than both ages, they bound no row kept.</summary>
    public int IdMarks { get; init; }

    public static readonly RetentionResult None = new(0, 0, 0, 0, 0, Skipped: true);
}
