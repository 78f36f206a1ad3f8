namespace TechLink.Delivery.Health;

/// <summary>
/// An endpoint whose run of deliveries that failed all their attempts reached <see cref="AutoDisableOptions.FailedDeliveries"/>
/// and began (the oldest one's <c>created_at</c>) before <see cref="AutoDisableOptions.FailingFor"/> ago.
/// </summary>
public sealed record FailingEndpoint(long EndpointId, int ConsecutiveFailedDeliveries, DateTime FailingSince);

/// <summary>
/// Told by the dispatcher, after a result batch has committed, of endpoints that meet the auto-disable rule. The host
/// implements it (disable the registration once, tell its company); the engine knows no registrations or users.
/// </summary>
public interface IEndpointFailureWatcher
{
    Task EndpointsFailingAsync(IReadOnlyList<FailingEndpoint> endpoints, CancellationToken cancellationToken);
}
