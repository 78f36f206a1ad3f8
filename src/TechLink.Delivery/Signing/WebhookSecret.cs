using Sdk = TechLink.Webhooks;

namespace TechLink.Delivery.Signing;

/// <summary>
/// The sender's view of Standard Webhooks secrets (<c>whsec_</c> followed by base64 of the key bytes): the SDK's
/// <see cref="Sdk.WebhookSecret"/>, held to the prefix, since a stored secret without it was not made by us.
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = Sdk.WebhookSecret.Prefix;

    /// <summary>A new secret of 32 random bytes.</summary>
    public static string Generate() => Sdk.WebhookSecret.Generate(32);

    /// <summary>The key bytes of a <c>whsec_</c> secret, or null when it is not one.</summary>
    public static byte[]? TryGetKey(string? secret) =>
        secret is not null && secret.StartsWith(Prefix, StringComparison.Ordinal) && Sdk.WebhookSecret.TryGetKey(secret, out var key) ? key : null;
}
