namespace TechLink.Delivery.Model;

/// <summary>
/// An endpoint's running health, maintained by the engine as results are written (issue 14), so that reading it never
/// scans the delivery log. One row per endpoint that has had a finished delivery.
/// </summary>
public sealed class EndpointHealth
{
    public long EndpointId { get; set; }
    /// <summary>Finished deliveries that failed all their attempts since the last success.</summary>
    public int ConsecutiveFailedDeliveries { get; set; }
    /// <summary>The <c>created_at</c> of the oldest delivery in the current run of failed deliveries (null: no run).</summary>
    public DateTime? FailingSince { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public DateTime? LastFailureAt { get; set; }
    /// <summary>The first 401/403 answer since the last success (null: none), for <c>auth_rejected_after_change</c>.</summary>
    public DateTime? AuthRejectedSince { get; set; }
}

/// <summary>
/// Attempts of one endpoint in one five-minute window, with a histogram of their durations, so the 24 h success rate
/// and the p95 (24 h and last hour) are read from at most 288 small rows. Test sends are not counted.
/// </summary>
public sealed class EndpointStatsBucket
{
    /// <summary>Upper bounds (ms) of the duration histogram's buckets; the last bucket has no bound.</summary>
    public static readonly int[] DurationBoundsMs = [50, 100, 250, 500, 1000, 2000, 3000, 5000, 7500, 10000, 15000];

    public long EndpointId { get; set; }
    public DateTime BucketStart { get; set; }
    public int Attempts { get; set; }
    public int Succeeded { get; set; }
    public int D0 { get; set; }
    public int D1 { get; set; }
    public int D2 { get; set; }
    public int D3 { get; set; }
    public int D4 { get; set; }
    public int D5 { get; set; }
    public int D6 { get; set; }
    public int D7 { get; set; }
    public int D8 { get; set; }
    public int D9 { get; set; }
    public int D10 { get; set; }
    public int D11 { get; set; }
    /// <summary>The attempts' durations added up, for their mean (the portal's chart).</summary>
    public long DurationMsTotal { get; set; }
}

/// <summary>The last <c>techlink-sequence</c> number handed out per endpoint and subject.</summary>
public sealed class EndpointSequence
{
    public long EndpointId { get; set; }
    public required string SubjectKey { get; set; }
    public long Value { get; set; }
}
