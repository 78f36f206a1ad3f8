namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Breadth: when many endpoints that hold nothing here may have due rows (a fan-out: thousands of registrations with a
/// row or two each), one bounded <see cref="ClaimWindow"/> statement takes the oldest due rows of many endpoints at
/// once, instead of one index probe per endpoint (and a second, empty one when each asks again). The endpoints the node
/// holds rows of are left out of the window and topped up by their own claims (depth), so an endpoint never holds more
/// than its share, a not-answering endpoint (full, so held) is not claimed for, and the node holds at most its total.
/// </summary>
internal sealed partial class EndpointScheduler
{
    /// <summary>How many wanted endpoints that hold nothing here make a window worth it (fewer: one probe each).</summary>
    public const int WindowFrom = 16;

    /// <summary>How many due rows a window may read per row it may claim (the bound of its scan).</summary>
    public const int WindowScanFactor = 4;

    /// <summary>The last window claimed nothing (its scan saw only held or capped endpoints' rows): ask per endpoint once.</summary>
    private bool _windowEmpty;

    /// <summary>
    /// The window to claim with the asks <paramref name="asks"/> (from <see cref="Asks"/>), or null: none is needed (fewer
    /// than <see cref="WindowFrom"/> wanted endpoints hold nothing here, or the last window came back empty) or there
    /// is no room left. It may take what the node may still hold beyond the asks, at most
    /// <see cref="DeliveryOptions.MaxConcurrencyPerEndpoint"/> rows of one endpoint (enough to fill its sends; if it has
    /// more, its own claims take them), none of an endpoint held here.
    /// </summary>
    public ClaimWindow? Window(IReadOnlyList<EndpointClaim> asks)
    {
        ArgumentNullException.ThrowIfNull(asks);
        lock (_gate)
        {
            if (_stopping || !Breadth()) return null;
            var room = HoldTotal - _held - asks.Sum(a => a.Limit);
            if (room <= 0) return null;
            var perEndpoint = Math.Min(_holdPerEndpoint, _options.MaxConcurrencyPerEndpoint);
            return new ClaimWindow(room, perEndpoint, room * WindowScanFactor, [.. _endpoints.Keys]);
        }
    }

    /// <summary>
    /// Holds what <paramref name="window"/> brought. An endpoint that brought its cap may have more: it is wanted (its
    /// own claim tops it up). One that brought less has no more due before the point the window reached: while windows
    /// go on, the next ones take the rest, so it is not asked for on its own (that probe would mostly find nothing).
    /// When the window saw every due row, the wanted endpoints that hold nothing here have none and those that brought
    /// less than the cap have no more: they are no longer wanted (a commit or a discovery names them again). An empty
    /// window makes the next round ask per endpoint (all that are wanted, so nothing waits for a window that cannot
    /// reach it).
    /// </summary>
    public void ClaimedWindow(ClaimWindow window, WindowClaims claimed, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(claimed);
        lock (_gate)
        {
            Hold(claimed.Claims, now);
            _windowEmpty = claimed.Claims.Count == 0;
            foreach (var (endpoint, count) in claimed.Claims.CountBy(c => c.EndpointId))
            {
                var below = count < window.PerEndpoint;
                _endpoints[endpoint].ByWindow = below;
                if (!below) _wanted.Add(endpoint);
                else if (claimed.Exhausted) _wanted.Remove(endpoint);
            }

            if (claimed.Exhausted) _wanted.RemoveWhere(e => !_endpoints.ContainsKey(e));
        }
    }

    /// <summary>Whether enough wanted endpoints hold nothing here for a window (and the last one was not empty).</summary>
    private bool Breadth()
    {
        if (_windowEmpty || _wanted.Count < WindowFrom) return false;
        var unheld = 0;
        foreach (var endpoint in _wanted)
        {
            if (!_endpoints.ContainsKey(endpoint) && ++unheld >= WindowFrom) return true;
        }

        return false;
    }
}
