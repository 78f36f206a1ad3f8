namespace TechLink.Delivery.Sending;

/// <summary>Why an attempt failed; the delivery log shows <see cref="AttemptOutcome.Error"/> beside it.</summary>
public enum FailureKind
{
    /// <summary>The receiver answered with a non-2xx, non-3xx status.</summary>
    HttpStatus,
    /// <summary>A 3xx answer: never followed (Standard Webhooks treats it as failure).</summary>
    Redirect,
    Timeout,
    ConnectionRefused,
    /// <summary>Every address of the host is non-public and outside the allowed networks.</summary>
    NetworkGuard,
    Dns,
    Tls,
    /// <summary>The connection broke (reset, closed early, unreachable network).</summary>
    Connection,
    /// <summary>The URL itself is not acceptable (scheme, user info, loopback name).</summary>
    InvalidUrl,
    Other,
}

/// <summary>What one POST did. A success carries no <see cref="Failure"/>.</summary>
public sealed record AttemptOutcome
{
    public required DateTime StartedAt { get; init; }
    public required TimeSpan Duration { get; init; }
    public FailureKind? Failure { get; init; }
    public int? StatusCode { get; init; }
    /// <summary>Human-readable reason of a failure ("connection refused", "timed out after 15 s", ...), for the delivery log.</summary>
    public string? Error { get; init; }
    /// <summary>
    /// The reason as the caller of a test send sees it: <see cref="Error"/>, except that refused, unreachable, reset and
    /// timed out are one "could not connect, or no complete answer" so a test send is no port scanner.
    /// </summary>
    public string? CallerError { get; init; }
    /// <summary>At most <c>MaxResponseExcerptBytes</c> of the answer, decoded as UTF-8; null when withheld.</summary>
    public string? ResponseExcerpt { get; init; }
    /// <summary>
    /// The receiver is private or loopback and reachable only through <c>AllowedNetworks</c>: its body and reason
    /// phrase were not kept, only its status.
    /// </summary>
    public bool AnswerWithheld { get; init; }
    /// <summary>The request headers as sent (JSON object), X-Token masked.</summary>
    public required string RequestHeaders { get; init; }
    /// <summary>The response headers as received (JSON object, at most <c>MaxResponseHeadersChars</c>); null when no answer came or it was withheld.</summary>
    public string? ResponseHeaders { get; init; }
    /// <summary>The receiver's Retry-After on 429/503, when it gave one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool Succeeded => Failure is null;

    /// <summary>The delivery log's row for this POST: attempt <paramref name="number"/> of delivery <paramref name="deliveryId"/>.</summary>
    public Model.DeliveryAttempt ToAttempt(int number, long deliveryId = 0) => new()
    {
        DeliveryId = deliveryId,
        Attempt = number,
        StartedAt = StartedAt,
        StatusCode = StatusCode,
        DurationMs = (int)Math.Min(int.MaxValue, Math.Round(Duration.TotalMilliseconds)),
        Error = Error,
        ResponseExcerpt = ResponseExcerpt,
        RequestHeaders = RequestHeaders,
        ResponseHeaders = ResponseHeaders,
    };
}
