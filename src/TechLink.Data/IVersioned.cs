namespace TechLink.Data;

/// <summary>
/// A row that read-modify-write actions change: <see cref="Version"/> is its optimistic concurrency token, raised by one
/// with every save that changes the row (<see cref="TechLinkDbContext"/> does it). An UPDATE or DELETE made from a stale
/// read then matches no row and fails with <c>DbUpdateConcurrencyException</c> instead of overwriting a change it never
/// saw (and writing an event computed from a state that no longer was). A plain column rather than PostgreSQL's
/// <c>xmin</c>, so that both providers work the same way.
/// </summary>
public interface IVersioned
{
    long Version { get; set; }
}
