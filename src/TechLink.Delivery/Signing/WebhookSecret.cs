using System.Security.Cryptography;

namespace TechLink.Delivery.Signing;

/// <summary>Standard Webhooks secrets: <c>whsec_</c> followed by base64 of the key bytes.</summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";

    /// <summary>A new secret of 32 random bytes.</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key bytes of a <c>whsec_</c> secret, or null when it is not one.</summary>
    public static byte[]? TryGetKey(string? secret)
    {
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var encoded = secret.AsSpan(Prefix.Length);
        var buffer = new byte[encoded.Length];
        return Convert.TryFromBase64Chars(encoded, buffer, out var written) && written > 0 ? buffer[..written] : null;
    }
}
