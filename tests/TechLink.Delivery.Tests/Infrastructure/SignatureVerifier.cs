using System.Globalization;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>
/// Verification by the independent StandardWebhooks package. Version 1.1.2 compares only the first entry of a
/// space-separated <c>webhook-signature</c>, so each entry is offered to it on its own: a secret verifies when any
/// of the signatures is valid for it, as the Standard Webhooks spec says.
/// </summary>
public static class SignatureVerifier
{
    public static bool Verifies(string body, string webhookId, long timestamp, string signatureHeader, string secret) =>
        Verifies(body, webhookId, timestamp.ToString(CultureInfo.InvariantCulture), signatureHeader, secret);

    public static bool Verifies(string body, string webhookId, string timestamp, string signatureHeader, string secret)
    {
        foreach (var signature in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var headers = new HeaderDictionary
            {
                ["webhook-id"] = webhookId,
                ["webhook-timestamp"] = timestamp,
                ["webhook-signature"] = signature,
            };
            try
            {
                new StandardWebhook(secret).Verify(body, headers);
                return true;
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
            {
                // Try the next signature.
            }
        }

        return false;
    }
}
