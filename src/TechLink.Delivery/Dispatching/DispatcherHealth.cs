namespace TechLink.Delivery.Dispatching;

/// <summary>
/// How the dispatcher's loop is doing on this node, for the readiness check (<see cref="DeliveryReadinessCheck{TContext}"/>):
/// the number of loop passes in a row that failed (0 after any pass that succeeded, and on a node without a dispatcher).
/// </summary>
public sealed class DispatcherHealth
{
    private int _consecutiveLoopFailures;

    public int ConsecutiveLoopFailures => Volatile.Read(ref _consecutiveLoopFailures);

    internal void LoopFailed() => Interlocked.Increment(ref _consecutiveLoopFailures);

    internal void LoopSucceeded()
    {
        if (Volatile.Read(ref _consecutiveLoopFailures) != 0) Volatile.Write(ref _consecutiveLoopFailures, 0);
    }
}
