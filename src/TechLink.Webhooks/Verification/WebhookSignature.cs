using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TechLink.Webhooks;

/// <summary>
/// Standard Webhooks signatures: <c>v1,</c> + base64 HMAC-SHA256 over <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>,
/// keyed with the decoded <c>whsec_</c> secret.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The version prefix of a signature.</summary>
    public const string Version = "v1";

    /// <summary>Signs a body; answers <c>"v1,&lt;base64&gt;"</c>, the value of one entry in <c>webhook-signature</c>.</summary>
    public static string Sign(string secret, string webhookId, long timestamp, string body) =>
        Sign(WebhookSecret.GetKey(secret), webhookId, timestamp, Encoding.UTF8.GetBytes(body));

    /// <summary>Signs a body; answers <c>"v1,&lt;base64&gt;"</c>.</summary>
    public static string Sign(string secret, string webhookId, DateTimeOffset timestamp, string body) =>
        Sign(secret, webhookId, timestamp.ToUnixTimeSeconds(), body);

    /// <summary>Signs body bytes with a decoded key; answers <c>"v1,&lt;base64&gt;"</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string webhookId, long timestamp, ReadOnlySpan<byte> body) =>
        Version + "," + Convert.ToBase64String(ComputeHash(key, webhookId, timestamp, body));

    internal static byte[] ComputeHash(ReadOnlySpan<byte> key, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(webhookId + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, message);
    }
}
