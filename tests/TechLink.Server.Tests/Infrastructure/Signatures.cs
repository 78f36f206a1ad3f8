using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>
/// Verification by the independent StandardWebhooks package. 1.1.2 looks only at the first entry of a space-separated
/// <c>webhook-signature</c>, so each entry is offered on its own; answers how many entries the secret verifies.
/// </summary>
public static class Signatures
{
    public static int CountVerified(ReceivedRequest request, string secret)
    {
        var verified = 0;
        foreach (var signature in request.Headers["webhook-signature"].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var headers = new HeaderDictionary
            {
                ["webhook-id"] = request.Headers["webhook-id"],
                ["webhook-timestamp"] = request.Headers["webhook-timestamp"],
                ["webhook-signature"] = signature,
            };
            try
            {
                new StandardWebhook(secret).Verify(request.Body, headers);
                verified++;
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
            {
                // Signed with another secret.
            }
        }

        return verified;
    }

    public static bool Verifies(ReceivedRequest request, string secret) => CountVerified(request, secret) > 0;
}
