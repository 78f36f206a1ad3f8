namespace TechLink.Delivery.Model;

/// <summary>Where and how to send a delivery, as the host knows it at the moment of the attempt.</summary>
/// <param name="Url">Absolute http(s) URL.</param>
/// <param name="Token">Sent as <c>X-Token</c> when not null.</param>
/// <param name="SigningSecrets">Every <c>whsec_</c> secret that signs now (more than one during rotation).</param>
/// <param name="Enabled">A disabled endpoint's pending deliveries are not sent.</param>
public sealed record EndpointTarget(Uri Url, string? Token, IReadOnlyList<string> SigningSecrets, bool Enabled)
{
    /// <summary>A paused endpoint's deliveries are parked (kept pending, no attempt counted) until it is resumed.</summary>
    public bool Paused { get; init; }
}

/// <summary>Implemented by the host: resolves an endpoint id to its current target.</summary>
public interface IEndpointDirectory
{
    ValueTask<EndpointTarget?> FindAsync(long endpointId, CancellationToken cancellationToken);

    /// <summary>
    /// Called with the endpoints of each claimed batch before their sends start, so a directory can load them in one
    /// read instead of one per endpoint. Optional: the default does nothing.
    /// </summary>
    ValueTask PrefetchAsync(IReadOnlyCollection<long> endpointIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// These endpoints changed (or, when empty, anything may have): what a directory remembers of them must not answer an
    /// attempt that starts from now on. Optional: the default (a directory that caches nothing) does nothing.
    /// </summary>
    void Invalidate(IReadOnlyCollection<long> endpointIds)
    {
    }
}
