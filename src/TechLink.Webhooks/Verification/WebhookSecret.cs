using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace TechLink.Webhooks;

/// <summary>Standard Webhooks signing secrets: <c>whsec_</c> followed by the base64 of 24–64 random bytes.</summary>
public static class WebhookSecret
{
    /// <summary>The prefix of a signing secret.</summary>
    public const string Prefix = "whsec_";

    /// <summary>A new random secret of <paramref name="byteCount"/> bytes (24–64), as <c>whsec_...</c>.</summary>
    public static string Generate(int byteCount = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(byteCount, 24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteCount, 64);
        return Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(byteCount));
    }

    /// <summary>The HMAC key of a secret: the base64-decoded part after <c>whsec_</c> (a bare base64 value is accepted too).</summary>
    public static bool TryGetKey(string? secret, [NotNullWhen(true)] out byte[]? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(secret)) return false;
        var encoded = secret.Trim();
        if (encoded.StartsWith(Prefix, StringComparison.Ordinal)) encoded = encoded[Prefix.Length..];
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written) || written == 0) return false;
        key = buffer[..written];
        return true;
    }

    /// <summary>The HMAC key of a secret, or <see cref="FormatException"/>.</summary>
    public static byte[] GetKey(string secret) =>
        TryGetKey(secret, out var key) ? key : throw new FormatException("A signing secret is \"whsec_\" followed by base64.");
}
