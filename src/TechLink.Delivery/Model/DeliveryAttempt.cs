namespace TechLink.Delivery.Model;

/// <summary>What happened on one POST: enough to tell a client exactly why it failed.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public int Attempt { get; set; }
    public DateTime StartedAt { get; set; }
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    public string? Error { get; set; }
    /// <summary>First 4 KB of the answer body.</summary>
    public string? ResponseExcerpt { get; set; }
    /// <summary>The request headers as sent (JSON object), with X-Token masked.</summary>
    public string? RequestHeaders { get; set; }
    /// <summary>The response headers as received (JSON object), null when no answer came.</summary>
    public string? ResponseHeaders { get; set; }
}
