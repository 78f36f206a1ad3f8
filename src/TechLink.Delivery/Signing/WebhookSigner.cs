using System.Text;
using Sdk = TechLink.Webhooks;

namespace TechLink.Delivery.Signing;

/// <summary>
/// Standard Webhooks signatures, <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c>, computed by the SDK's
/// <see cref="Sdk.WebhookSignature"/>: the one implementation the sender and every receiver share.
/// </summary>
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
        var signatures = new List<string>(2);
        foreach (var secret in secrets)
        {
            var key = WebhookSecret.TryGetKey(secret);
            if (key is null) continue;
            signatures.Add(Sdk.WebhookSignature.Sign(key, webhookId, timestamp, body));
        }

        return string.Join(' ', signatures);
    }

    public static string Sign(string webhookId, long timestamp, string body, IEnumerable<string> secrets) =>
        Sign(webhookId, timestamp, Encoding.UTF8.GetBytes(body), secrets);
}
