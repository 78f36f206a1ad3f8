namespace TechLink.Delivery.Dispatching;

/// <summary>How many due deliveries of one endpoint a claim may take.</summary>
internal readonly record struct EndpointClaim(long EndpointId, int Limit);

/// <summary>
/// A delivery this node holds the lease of (until <see cref="LeaseUntil"/>), with what it needs to send.
/// <see cref="EventId"/> and <see cref="WebhookMessageId"/> are <see cref="Model.DeliveryRecord"/>'s: the event row and the <c>webhook-id</c> header value.
/// </summary>
internal sealed record ClaimedDelivery(long Id, long EventId, long EndpointId, string WebhookMessageId, int AttemptCount, DateTime NextAttemptAt, DateTime LeaseUntil)
{
    public string Payload { get; set; } = "";

    /// <summary>The <c>techlink-sequence</c> number (null: none).</summary>
    public long? Sequence { get; set; }

    /// <summary>The W3C <c>traceparent</c> stored with the event (null: none).</summary>
    public string? TraceParent { get; set; }
}

/// <summary>
/// What to write back for a claimed delivery. <see cref="Attempt"/> is null when nothing was sent (a lease handed
/// back, or a registration that is gone).
/// </summary>
internal sealed record DeliveryResult(
    ClaimedDelivery Claim,
    Model.DeliveryStatus Status,
    int AttemptCount,
    DateTime NextAttemptAt,
    DateTime? CompletedAt,
    string? LastError,
    Model.DeliveryAttempt? Attempt)
{
    /// <summary>Hands the lease back without counting an attempt: the row is claimable again (at once, or at <paramref name="retryAt"/>).</summary>
    public static DeliveryResult Release(ClaimedDelivery claim, DateTime? retryAt = null) =>
        new(claim, Model.DeliveryStatus.Pending, claim.AttemptCount, retryAt ?? claim.NextAttemptAt, null, null, null);

    /// <summary>Hands the lease back without counting an attempt and parks the row (its endpoint is paused: <see cref="Parking"/>).</summary>
    public static DeliveryResult Park(ClaimedDelivery claim) => Release(claim, Parking.Until);

    /// <summary>Whether this result parks its row.</summary>
    public bool Parks => Attempt is null && Status == Model.DeliveryStatus.Pending && Parking.IsParked(NextAttemptAt);

    /// <summary>Whether the row's last error is (re)written: after an attempt, or when the delivery ends.</summary>
    public bool WritesError => Attempt is not null || Status != Model.DeliveryStatus.Pending;
}

/// <summary>What a result write did: results dropped (lease lost), and the health rows of the endpoints it counted.</summary>
internal sealed record WriteOutcome(int Lost, IReadOnlyList<Health.HealthRow> Health);

/// <summary>
/// The dispatcher's database work. One implementation per provider (<c>Providers/Sqlite</c>, <c>Providers/Postgres</c>),
/// chosen once when the engine starts (<see cref="DeliveryProviders"/>); hand-written SQL on the hot path.
/// </summary>
internal interface IDeliveryStore
{
    /// <summary>
    /// Leases, for each endpoint asked for, up to its limit of its due deliveries (oldest due first) to this node until
    /// <paramref name="leaseUntil"/>, with their payloads: each endpoint's rows are read through its own index range, so
    /// the backlog of another endpoint is never scanned.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(IReadOnlyList<EndpointClaim> endpoints, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Leases the oldest due rows of any endpoints within <paramref name="window"/>'s bounds (breadth: many endpoints with
    /// a few rows each in one statement), with their payloads; fenced like <see cref="ClaimAsync"/>.
    /// </summary>
    Task<WindowClaims> ClaimWindowAsync(ClaimWindow window, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// The endpoints (none of <paramref name="excluded"/>) that have due deliveries nobody holds: one index probe per
    /// endpoint that has any delivery rows, not a scan of the backlog.
    /// </summary>
    Task<IReadOnlyList<long>> DiscoverAsync(IReadOnlyCollection<long> excluded, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the results (and their attempts, and the endpoints' health and stats) in one transaction, fenced by lease
    /// owner and attempt count; answers how many were dropped because the lease was no longer ours, and the health rows
    /// the batch changed.
    /// </summary>
    Task<WriteOutcome> WriteAsync(IReadOnlyList<DeliveryResult> results, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the due, unleased pending rows of these endpoints to <paramref name="until"/> (no attempt counted); answers
    /// how many.
    /// </summary>
    Task<int> PostponeAsync(IReadOnlyCollection<long> endpoints, DateTime until, DateTime now, CancellationToken cancellationToken);

    /// <summary>Makes the parked rows of these endpoints due again (<see cref="Parking.UnparkAsync"/>); answers how many.</summary>
    Task<int> UnparkAsync(IReadOnlyCollection<long> endpoints, CancellationToken cancellationToken);

    Task<(long Count, DateTime? Oldest)> BacklogAsync(CancellationToken cancellationToken);
}

/// <summary>
/// How a dispatcher hears of deliveries committed by other nodes: LISTEN/NOTIFY on PostgreSQL; nothing on SQLite,
/// where every writer is in this process and raises the <see cref="DeliverySignal"/> itself.
/// </summary>
internal interface IDeliveryWakeSource
{
    /// <summary>Raises the signal for other nodes' commits until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
