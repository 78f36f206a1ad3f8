using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TechLink.Webhooks;

/// <summary>Why a webhook request was not accepted.</summary>
public enum WebhookVerificationFailure
{
    /// <summary>Accepted.</summary>
    None = 0,
    /// <summary><c>X-Token</c> is missing.</summary>
    MissingToken,
    /// <summary><c>X-Token</c> does not match.</summary>
    InvalidToken,
    /// <summary>A <c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> header is missing.</summary>
    MissingSignatureHeaders,
    /// <summary><c>webhook-timestamp</c> is not a number of seconds.</summary>
    InvalidTimestamp,
    /// <summary><c>webhook-timestamp</c> is further from now than the tolerance (a replay, or a skewed clock).</summary>
    TimestampOutOfTolerance,
    /// <summary>No <c>v1</c> signature matches any configured secret.</summary>
    InvalidSignature,
}

/// <summary>The outcome of verifying one request.</summary>
/// <param name="Failure">Why it failed; <see cref="WebhookVerificationFailure.None"/> when it passed.</param>
/// <param name="Message">A short, human-readable reason.</param>
public sealed record WebhookVerificationResult(WebhookVerificationFailure Failure, string Message)
{
    /// <summary>The request passed every configured check.</summary>
    public static WebhookVerificationResult Success { get; } = new(WebhookVerificationFailure.None, "verified");

    /// <summary>True when the request passed every configured check.</summary>
    public bool IsValid => Failure == WebhookVerificationFailure.None;
}

/// <summary>The header values that verification needs, independent of any web framework.</summary>
/// <param name="WebhookId"><c>webhook-id</c>.</param>
/// <param name="WebhookTimestamp"><c>webhook-timestamp</c> (unix seconds).</param>
/// <param name="WebhookSignature"><c>webhook-signature</c> (space-separated <c>v1,&lt;base64&gt;</c> entries).</param>
/// <param name="Token"><c>X-Token</c>.</param>
public sealed record WebhookHeaders(string? WebhookId, string? WebhookTimestamp, string? WebhookSignature, string? Token)
{
    /// <summary><c>webhook-id</c></summary>
    public const string IdHeader = "webhook-id";
    /// <summary><c>webhook-timestamp</c></summary>
    public const string TimestampHeader = "webhook-timestamp";
    /// <summary><c>webhook-signature</c></summary>
    public const string SignatureHeader = "webhook-signature";
    /// <summary><c>X-Token</c></summary>
    public const string TokenHeader = "X-Token";

    /// <summary>Reads the headers through a case-insensitive lookup.</summary>
    public static WebhookHeaders From(Func<string, string?> getHeader)
    {
        ArgumentNullException.ThrowIfNull(getHeader);
        return new(getHeader(IdHeader), getHeader(TimestampHeader), getHeader(SignatureHeader), getHeader(TokenHeader));
    }
}

/// <summary>
/// Verifies TechLink webhook requests: the <c>X-Token</c> (when a token is configured) and the Standard Webhooks
/// signature (when one or more secrets are configured: several during a rotation). All comparisons are constant-time.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>The default allowed distance between <c>webhook-timestamp</c> and now.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly byte[]? _tokenHash;
    private readonly IReadOnlyList<byte[]> _keys;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _tolerance;

    /// <summary>Creates a verifier.</summary>
    /// <param name="token">The expected <c>X-Token</c>; null or empty to skip the token check.</param>
    /// <param name="secrets">The <c>whsec_</c> secrets any of which may have signed; empty to skip the signature check.</param>
    /// <param name="timeProvider">The clock for the tolerance check; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="tolerance">Allowed clock distance; <see cref="DefaultTolerance"/> by default.</param>
    public WebhookVerifier(string? token, IEnumerable<string>? secrets, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
    {
        _tokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _keys = (secrets ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(WebhookSecret.GetKey).ToList();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _tolerance = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThan(_tolerance, TimeSpan.Zero, nameof(tolerance));
    }

    /// <summary>True when a token check is configured.</summary>
    public bool ChecksToken => _tokenHash is not null;

    /// <summary>True when a signature check is configured.</summary>
    public bool ChecksSignature => _keys.Count > 0;

    /// <summary>Verifies a request whose body is text (it is signed as UTF-8).</summary>
    public WebhookVerificationResult Verify(WebhookHeaders headers, string body) => Verify(headers, Encoding.UTF8.GetBytes(body));

    /// <summary>Verifies a request; the body must be the exact bytes received.</summary>
    public WebhookVerificationResult Verify(WebhookHeaders headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_tokenHash is not null)
        {
            if (string.IsNullOrEmpty(headers.Token))
                return new(WebhookVerificationFailure.MissingToken, "X-Token header missing");
            if (!TokenEquals(headers.Token))
                return new(WebhookVerificationFailure.InvalidToken, "X-Token does not match");
        }

        return _keys.Count == 0 ? WebhookVerificationResult.Success : VerifySignature(headers, body);
    }

    private bool TokenEquals(string presented) =>
        // Hashing first makes both sides the same length, so the comparison time says nothing about the token's length.
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _tokenHash);

    private WebhookVerificationResult VerifySignature(WebhookHeaders headers, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(headers.WebhookId) || string.IsNullOrEmpty(headers.WebhookTimestamp) || string.IsNullOrEmpty(headers.WebhookSignature))
            return new(WebhookVerificationFailure.MissingSignatureHeaders, "webhook-id, webhook-timestamp or webhook-signature header missing");

        if (!long.TryParse(headers.WebhookTimestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return new(WebhookVerificationFailure.InvalidTimestamp, "webhook-timestamp is not unix seconds");

        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)_tolerance.TotalSeconds)
            return new(WebhookVerificationFailure.TimestampOutOfTolerance, $"webhook-timestamp is {now - seconds} s from now (tolerance {(long)_tolerance.TotalSeconds} s)");

        Span<byte> presented = stackalloc byte[32];
        foreach (var entry in headers.WebhookSignature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0 || !entry.AsSpan(0, comma).SequenceEqual(WebhookSignature.Version)) continue;
            if (!Convert.TryFromBase64String(entry[(comma + 1)..], presented, out var written) || written != 32) continue;
            foreach (var key in _keys)
            {
                var expected = WebhookSignature.ComputeHash(key, headers.WebhookId, seconds, body);
                if (CryptographicOperations.FixedTimeEquals(expected, presented)) return WebhookVerificationResult.Success;
            }
        }

        return new(WebhookVerificationFailure.InvalidSignature, "no webhook-signature matches the secret");
    }
}
