using System.Globalization;
using System.Threading.Channels;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Wakes the local dispatcher: raised after a commit that added deliveries (and on PostgreSQL by another node's
/// NOTIFY), naming the endpoints they are for when it can, so the dispatcher claims for exactly those. Signals
/// coalesce: many notifications before the dispatcher looks are one wake-up with the union of their endpoints.
/// </summary>
public sealed class DeliverySignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = false,
    });

    private readonly Lock _lock = new();
    private HashSet<long> _endpoints = [];
    private bool _unknown;

    /// <summary>Something may be due, for endpoints nobody named: the dispatcher looks for them.</summary>
    public void Notify()
    {
        lock (_lock) _unknown = true;
        _channel.Writer.TryWrite(true);
    }

    /// <summary>Deliveries for these endpoints were committed.</summary>
    public void Notify(IEnumerable<long> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        lock (_lock) _endpoints.UnionWith(endpoints);
        _channel.Writer.TryWrite(true);
    }

    /// <summary>A NOTIFY payload from another node: endpoint ids separated by commas; anything else names none.</summary>
    public void NotifyFromPayload(string? payload)
    {
        var ids = new List<long>();
        foreach (var part in (payload ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                Notify();
                return;
            }

            ids.Add(id);
        }

        if (ids.Count == 0) Notify();
        else Notify(ids);
    }

    /// <summary>Completes when notified (consuming the notification).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken) => await _channel.Reader.ReadAsync(cancellationToken);

    /// <summary>The endpoints named since the last call, and whether a notification named none.</summary>
    internal (HashSet<long> Endpoints, bool Unknown) Take()
    {
        lock (_lock)
        {
            var taken = (_endpoints, _unknown);
            _endpoints = [];
            _unknown = false;
            return taken;
        }
    }

    /// <summary>The NOTIFY payload naming <paramref name="endpoints"/>, or empty (names none) when it would be too long.</summary>
    public static string Payload(IReadOnlyCollection<long> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // PostgreSQL allows 8000 bytes; a commit for very many endpoints lets the listeners look for themselves.
        var payload = string.Join(',', endpoints.Select(e => e.ToString(CultureInfo.InvariantCulture)));
        return payload.Length <= 4000 ? payload : "";
    }
}
