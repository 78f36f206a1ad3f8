using System.ComponentModel.DataAnnotations;
using System.Net;

namespace TechLink.Delivery;

/// <summary>Settings of the delivery engine, section <c>TechLink:Delivery</c>.</summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string SectionName = "TechLink:Delivery";

    /// <summary>Margin by which the lease must outlast one attempt, so a slow attempt is never taken over while it runs.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(15);

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelayMin { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelayMax { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest a receiver's Retry-After (on 429/503) may put off the next attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryAfterMax { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Turning off registrations whose deliveries keep failing (issue 14).</summary>
    public AutoDisableOptions AutoDisable { get; set; } = new();

    /// <summary>Per-attempt HTTP timeout: connect, headers and the response excerpt together.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The ports a Production server allows when <see cref="AllowedPorts"/> is not configured.</summary>
    public static readonly IReadOnlyList<int> ProductionPorts = [80, 443, 8080, 8443];

    /// <summary>CIDR ranges that webhook URLs may reach although they are not public (e.g. <c>127.0.0.0/8</c>).</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// The only ports webhook URLs may use, at registration and at connect time; empty allows any port. The host fills
    /// in <see cref="ProductionPorts"/> in Production when nothing is configured (a bound list cannot have a default:
    /// configured entries would be added to it).
    /// </summary>
    public List<int> AllowedPorts { get; set; } = [];

    /// <summary>
    /// Show the answer body and reason phrase of receivers that are private or loopback and reachable only through
    /// <see cref="AllowedNetworks"/> (test sends and the delivery log). Off: only their status is kept, so whoever can
    /// register a URL cannot read the answers of other services on those networks. Turn it on only where everyone who
    /// can register a webhook may read every such service (a developer's own machine).
    /// </summary>
    public bool ShowPrivateAnswers { get; set; }

    /// <summary>How long a claimed delivery belongs to its node; an expired lease is claimable again (the sweeper).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Sends in flight on one node. Sends are asynchronous I/O, so slots are cheap; the cap bounds sockets and memory.
    /// It is well above <see cref="MaxConcurrencyPerEndpoint"/> × a handful of endpoints so that a few endpoints that
    /// hang (each holding its per-endpoint share until the timeout) leave the others their full share.
    /// </summary>
    [Range(1, 4096)]
    public int MaxConcurrency { get; set; } = 128;

    [Range(1, 1024)]
    public int MaxConcurrencyPerEndpoint { get; set; } = 8;

    /// <summary>
    /// Rows an endpoint may hold waiting beyond its sends; a claim tops it up by about this many (and a commit on this
    /// node hands over up to this many). Measured in bench/ (A/B runs in one session), one fast endpoint: 128 delivered
    /// 11-20% more than 64 (fewer, larger claims, more of the producers' rows handed over without one), 256 a little
    /// more again; but at 256 the isolation row (one endpoint never answers) fell to 0.82-0.90 and 10,000 endpoints
    /// with one row each gained nothing (they are served by window claims), so 128. Held rows cost memory (their
    /// payloads), and a row held so long that its lease could run out before its send ends is handed back, not sent.
    /// </summary>
    [Range(1, 1000)]
    public int ClaimBatchSize { get; set; } = 128;

    /// <summary>Attempt results written per transaction at most.</summary>
    [Range(1, 1000)]
    public int ResultBatchSize { get; set; } = 64;

    /// <summary>How long the result writer waits for more results to fill a batch before it writes what it has.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan ResultFlushDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// At shutdown, how long sends in flight may take to finish before they are cancelled and handed back; rows held
    /// but not started are handed back at once. Keep it below the host's shutdown timeout (30 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    [Range(0, 1024 * 1024)]
    public int MaxResponseExcerptBytes { get; set; } = 4096;

    /// <summary>
    /// How often the dispatcher looks for due work nobody named (other nodes' retries, leases of a node that died);
    /// commits wake it at once for their endpoints (in process, and by NOTIFY on PostgreSQL).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the backlog gauges are refreshed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>/health/ready</c> is unhealthy while the earliest due pending delivery has been due longer than this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ReadyMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>/health/ready</c> is unhealthy after this many failed passes of the dispatcher's loop in a row.</summary>
    [Range(1, 1000)]
    public int ReadyMaxLoopFailures { get; set; } = 3;

    /// <summary>
    /// The local fast path: deliveries committed on a node whose dispatcher has room are written leased to it and handed
    /// to it in memory (no claim statement, no payload read); the rest are claimed as usual. Off: every row is claimed.
    /// </summary>
    public bool LocalHandoff { get; set; } = true;

    /// <summary>Lease owner written on claimed rows; unique per process when not set.</summary>
    [MaxLength(100)]
    public string? NodeId { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryDelayMin > RetryDelayMax)
        {
            yield return new ValidationResult("RetryDelayMin must not exceed RetryDelayMax.", [nameof(RetryDelayMin), nameof(RetryDelayMax)]);
        }

        if (Lease < Timeout + LeaseMargin)
        {
            yield return new ValidationResult(
                $"Lease ({Lease}) must be at least Timeout ({Timeout}) + {LeaseMargin.TotalSeconds:0} s, or a slow attempt could be claimed twice.",
                [nameof(Lease), nameof(Timeout)]);
        }

        if (AutoDisable.FailedDeliveries is < 0 or > 100_000)
        {
            yield return new ValidationResult("AutoDisable:FailedDeliveries must be between 0 (off) and 100000.", [nameof(AutoDisable)]);
        }

        if (AutoDisable.FailingFor < TimeSpan.Zero)
        {
            yield return new ValidationResult("AutoDisable:FailingFor must not be negative.", [nameof(AutoDisable)]);
        }

        foreach (var port in AllowedPorts.Where(p => p is < 1 or > 65535))
        {
            yield return new ValidationResult($"AllowedPorts: {port} is not a TCP port (1-65535).", [nameof(AllowedPorts)]);
        }

        foreach (var cidr in AllowedNetworks)
        {
            if (!IPNetwork.TryParse(cidr.Trim(), out _))
            {
                yield return new ValidationResult($"AllowedNetworks: '{cidr}' is not a CIDR range (e.g. 127.0.0.0/8).", [nameof(AllowedNetworks)]);
            }
        }
    }
}
