namespace TechLink.Webhooks;

/// <summary>How the webhook endpoint verifies and deduplicates requests.</summary>
public sealed class TechLinkWebhookOptions
{
    /// <summary>The configuration section these options bind from by convention.</summary>
    public const string SectionName = "TechLink:Webhooks";

    /// <summary>The expected <c>X-Token</c>, as set on the registration; null to skip the token check.</summary>
    public string? Token { get; set; }

    /// <summary>The registration's signing secret (<c>whsec_...</c>); null to skip the signature check.</summary>
    public string? Secret { get; set; }

    /// <summary>Further accepted secrets, e.g. the previous one during a rotation.</summary>
    public IList<string> AdditionalSecrets { get; } = [];

    /// <summary>Allowed distance between <c>webhook-timestamp</c> and now. Default five minutes.</summary>
    public TimeSpan TimestampTolerance { get; set; } = WebhookVerifier.DefaultTolerance;

    /// <summary>How long a processed <c>webhook-id</c> is remembered, so a retry is answered 200 without running handlers again. Default 24 hours.</summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest accepted body in bytes (413 beyond). Default 1 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Refuse to start when neither a token nor a secret is configured. Default true: an unverified endpoint accepts
    /// anyone's events. Set false only for local experiments.
    /// </summary>
    public bool RequireVerification { get; set; } = true;

    internal IEnumerable<string> AllSecrets => Secret is { Length: > 0 } s ? [s, .. AdditionalSecrets] : AdditionalSecrets;

    internal TechLinkWebhookOptions Clone()
    {
        var copy = new TechLinkWebhookOptions
        {
            Token = Token,
            Secret = Secret,
            TimestampTolerance = TimestampTolerance,
            DeduplicationWindow = DeduplicationWindow,
            MaxBodyBytes = MaxBodyBytes,
            RequireVerification = RequireVerification,
        };
        foreach (var s in AdditionalSecrets) copy.AdditionalSecrets.Add(s);
        return copy;
    }
}
