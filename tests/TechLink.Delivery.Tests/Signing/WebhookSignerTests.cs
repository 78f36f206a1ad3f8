using System.Text;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Delivery.Signing;

namespace TechLink.Delivery.Tests.Signing;

public sealed class WebhookSignerTests
{
    // Known answer from the Standard Webhooks reference test vectors.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = "{\"test\": 2432232314}";

    [Fact]
    public void Sign_KnownVector_MatchesReference()
    {
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookSigner.Sign(Id, Timestamp, Body, [Secret]));
    }

    [Fact]
    public void Sign_TwoSecrets_EachVerifiesIndependently()
    {
        var (old, current) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = WebhookSigner.Sign(Id, timestamp, Body, [old, current]);

        Assert.True(SignatureVerifier.Verifies(Body, Id, timestamp, signature, old));
        Assert.True(SignatureVerifier.Verifies(Body, Id, timestamp, signature, current));
        Assert.False(SignatureVerifier.Verifies(Body, Id, timestamp, signature, WebhookSecret.Generate()));
        Assert.False(SignatureVerifier.Verifies(Body + " ", Id, timestamp, signature, current));
    }

    [Fact]
    public void Generate_Is32RandomBytesWithPrefix()
    {
        var secret = WebhookSecret.Generate();

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, WebhookSecret.TryGetKey(secret)!.Length);
        Assert.NotEqual(secret, WebhookSecret.Generate());
        Assert.Null(WebhookSecret.TryGetKey("not-a-secret"));
        Assert.Equal(Encoding.UTF8.GetByteCount(Body), Encoding.UTF8.GetBytes(Body).Length);
    }
}
