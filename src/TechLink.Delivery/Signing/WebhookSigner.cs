using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TechLink.Delivery.Signing;

/// <summary>Standard Webhooks signatures: <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c>.</summary>
public static class WebhookSigner
{
    /// <summary>
    /// The <c>webhook-signature</c> header value: one space-separated <c>v1,</c> signature per secret, so a receiver
    /// holding either the old or the new secret verifies during rotation. Secrets that are not <c>whsec_</c> are skipped.
    /// </summary>
    public static string Sign(string webhookId, long timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        ArgumentNullException.ThrowIfNull(secrets);
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));

        var signatures = new List<string>();
        foreach (var secret in secrets)
        {
            var key = WebhookSecret.TryGetKey(secret);
            if (key is null) continue;
            signatures.Add("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        }

        return string.Join(' ', signatures);
    }

    public static string Sign(string webhookId, long timestamp, string body, IEnumerable<string> secrets) =>
        Sign(webhookId, timestamp, Encoding.UTF8.GetBytes(body), secrets);
}
