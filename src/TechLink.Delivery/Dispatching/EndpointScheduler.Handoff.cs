namespace TechLink.Delivery.Dispatching;

/// <summary>
/// The local fast path's bookkeeping (<see cref="LocalHandoff"/>): which of a commit's deliveries this node takes
/// without a claim, under the same bounds as a claim (the node's total, each endpoint's share), and holding them once
/// the commit is done.
/// </summary>
internal sealed partial class EndpointScheduler
{
    /// <summary>
    /// For each delivery (by its endpoint, in order), whether this node takes it leased: while the node holds less than
    /// its total and the endpoint less than its share (so a full or not-answering endpoint's rows are left to claims);
    /// null when it takes none. The room is read, not reserved: concurrent commits may each take it, a soft bound like
    /// a claim's rows, which are all kept.
    /// </summary>
    public bool[]? Offer(IReadOnlyList<long> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        lock (_gate)
        {
            var room = HoldTotal - _held;
            if (_stopping || room <= 0) return null;
            bool[]? leased = null;
            Dictionary<long, int>? taken = null;
            for (var i = 0; i < endpoints.Count && room > 0; i++)
            {
                var endpoint = endpoints[i];
                var held = _endpoints.TryGetValue(endpoint, out var queue) ? queue.Held : 0;
                var already = taken?.GetValueOrDefault(endpoint) ?? 0;
                if (held + already >= _holdPerEndpoint) continue;
                (taken ??= [])[endpoint] = already + 1;
                (leased ??= new bool[endpoints.Count])[i] = true;
                room--;
            }

            return leased;
        }
    }

    /// <summary>Holds rows handed over by a committed transaction (as if claimed); false when stopping (hand them back).</summary>
    public bool Handed(IReadOnlyList<ClaimedDelivery> claims, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(claims);
        lock (_gate)
        {
            if (_stopping) return false;
            Hold(claims, now);
            return true;
        }
    }
}
