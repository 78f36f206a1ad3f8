using System.Text;
using Microsoft.Extensions.Time.Testing;
using TechLink.Delivery.Signing;
using Sdk = TechLink.Webhooks;

namespace TechLink.Delivery.Tests.Signing;

/// <summary>What the engine signs, the SDK's verifier accepts: one signing implementation on both ends.</summary>
public sealed class SdkCrossTests
{
    private const string Id = "msg_01J9ZQ4T0Y3K5W8X2V7R6N1M0P";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sign_EngineWithRotatingSecrets_SdkVerifierAcceptsEitherSecret()
    {
        var (old, current) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var body = """{"event":"work order closed","workorder_id":"7","note":"é ✓"}""";
        var signature = WebhookSigner.Sign(Id, Now.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(body), [old, current]);
        var headers = new Sdk.WebhookHeaders(Id, Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, null);
        var clock = new FakeTimeProvider(Now);

        Assert.True(new Sdk.WebhookVerifier(null, [old], clock).Verify(headers, body).IsValid);
        Assert.True(new Sdk.WebhookVerifier(null, [current], clock).Verify(headers, body).IsValid);
        Assert.False(new Sdk.WebhookVerifier(null, [WebhookSecret.Generate()], clock).Verify(headers, body).IsValid);
        Assert.False(new Sdk.WebhookVerifier(null, [current], clock).Verify(headers, body + " ").IsValid);
    }

    [Fact]
    public void Sign_EngineAndSdk_SameSignatureForOneSecret()
    {
        var secret = WebhookSecret.Generate();
        const string body = """{"event":"site updated","data":{}}""";

        Assert.Equal(Sdk.WebhookSignature.Sign(secret, Id, Now, body), WebhookSigner.Sign(Id, Now.ToUnixTimeSeconds(), body, [secret]));
    }

    [Fact]
    public void TryGetKey_SecretWithoutPrefix_SkippedBySenderThoughSdkReadsIt()
    {
        var bare = WebhookSecret.Generate()[WebhookSecret.Prefix.Length..];

        Assert.Null(WebhookSecret.TryGetKey(bare));
        Assert.True(Sdk.WebhookSecret.TryGetKey(bare, out _));
        Assert.Equal("", WebhookSigner.Sign(Id, 1, "{}", [bare]));
    }
}
