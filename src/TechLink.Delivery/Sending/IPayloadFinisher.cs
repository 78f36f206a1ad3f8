namespace TechLink.Delivery.Sending;

/// <summary>
/// The host's last touch on a stored payload right before it is signed and sent, at every attempt (e.g. links that
/// expire, signed now rather than when the event was written). Must be cheap for payloads it does not change: it runs
/// on the engine's hot path. The signature is computed over what it answers.
/// </summary>
public interface IPayloadFinisher
{
    string Finish(string payload);
}
