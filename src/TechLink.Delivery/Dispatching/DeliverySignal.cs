using System.Threading.Channels;

namespace TechLink.Delivery.Dispatching;

/// <summary>
/// Wakes the local dispatcher: raised after a commit that added deliveries (and on PostgreSQL by another node's
/// NOTIFY). Signals coalesce: many notifications before the dispatcher looks are one wake-up.
/// </summary>
public sealed class DeliverySignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = false,
    });

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Completes when notified (consuming the notification).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken) => await _channel.Reader.ReadAsync(cancellationToken);
}
