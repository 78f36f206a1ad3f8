namespace TechLink.Delivery.Dispatching;

/// <summary>
/// A claim for breadth: of the <see cref="Scan"/> oldest due, unleased rows of all endpoints (a bounded read of the
/// <c>(status, due)</c> index), lease at most <see cref="Limit"/>, at most <see cref="PerEndpoint"/> of any one
/// endpoint and none of <see cref="Excluded"/> (the endpoints the node holds rows of: their per-endpoint claims serve
/// them, within their fair share). One statement takes the rows of many endpoints that each have a few.
/// </summary>
internal sealed record ClaimWindow(int Limit, int PerEndpoint, int Scan, long[] Excluded);

/// <summary>
/// What a <see cref="ClaimWindow"/> leased. <see cref="Exhausted"/>: the scan read fewer rows than it may and the
/// limit did not cut it short, so it saw and took every due, unleased row; an endpoint not among the claims then has
/// none (unless excluded, or at its cap). Only known when something was claimed.
/// </summary>
internal sealed record WindowClaims(IReadOnlyList<ClaimedDelivery> Claims, bool Exhausted);
