using TechLink.Delivery.Model;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// The local fast path: deliveries a unit of work writes on a node whose dispatcher has room are inserted already
/// leased to that node (owner, lease expiry, attempt count 0: the same fence a claim writes) and, once the transaction
/// has committed, handed to the dispatcher in memory with their payloads, so they need no claim statement and no payload
/// read. Durability is the claims': a row handed over is leased in the database, so if the node dies before its result
/// is written, the row is claimed again (by another node or the restart) when the lease runs out. A rolled-back
/// transaction hands nothing over. Where the dispatcher is absent (an API-only node), stopping, holds its total, or the
/// endpoint holds its share here, rows are written unleased and claimed as before (the commit's wake-up names them).
/// </summary>
public sealed class LocalHandoff
{
    private volatile ILocalSink? _sink;

    internal void Attach(ILocalSink sink) => _sink = sink;

    internal void Detach(ILocalSink sink) => Interlocked.CompareExchange(ref _sink, null, sink);

    /// <summary>Which of <paramref name="events"/>' deliveries to write leased to this node (null: none).</summary>
    internal LocalLease? Offer(IReadOnlyList<PendingEvent> events) => _sink?.Offer(events);

    /// <summary>
    /// Hands committed, leased rows to the dispatcher. Without one (it stopped meanwhile) they stay leased until the
    /// lease runs out, then any claim takes them.
    /// </summary>
    internal void Accept(List<ClaimedDelivery> claims) => _sink?.Accept(claims);
}

/// <summary>The dispatcher's side of <see cref="LocalHandoff"/>.</summary>
internal interface ILocalSink
{
    LocalLease? Offer(IReadOnlyList<PendingEvent> events);

    void Accept(List<ClaimedDelivery> claims);
}

/// <summary>
/// Deliveries to insert leased to <paramref name="Owner"/> until <paramref name="Until"/>: <paramref name="Leased"/> has
/// one entry per delivery, the events' deliveries in order.
/// </summary>
internal sealed record LocalLease(string Owner, DateTime Until, bool[] Leased)
{
    public bool Any => Array.IndexOf(Leased, true) >= 0;
}
