using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;

namespace TechLink.Webhooks.Tests.Verification;

public sealed class SignatureTests
{
    // The published Standard Webhooks / Svix example vector.
    private const string FixedSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string FixedId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long FixedTimestamp = 1614265330;
    private const string FixedBody = "{\"test\": 2432232314}";
    private const string FixedSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000);

    [Fact]
    public void Sign_FixedVector_MatchesPublishedSignature()
    {
        Assert.Equal(FixedSignature, WebhookSignature.Sign(FixedSecret, FixedId, FixedTimestamp, FixedBody));
    }

    [Fact]
    public void Sign_FixedVector_StandardWebhooksLibraryAgrees()
    {
        var library = new StandardWebhook(FixedSecret).Sign(FixedId, DateTimeOffset.FromUnixTimeSeconds(FixedTimestamp), FixedBody);
        Assert.Equal(FixedSignature, library);
    }

    [Fact]
    public void Verify_FixedVector_AcceptedAtItsTime()
    {
        var verifier = new WebhookVerifier(null, [FixedSecret], new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(FixedTimestamp + 10)));
        var result = verifier.Verify(new WebhookHeaders(FixedId, FixedTimestamp.ToString(), FixedSignature, null), FixedBody);
        Assert.True(result.IsValid, result.Message);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(32)]
    [InlineData(64)]
    public void Sign_RandomVectors_EqualStandardWebhooksLibrary(int secretBytes)
    {
        for (var i = 0; i < 20; i++)
        {
            var secret = WebhookSecret.Generate(secretBytes);
            var id = "msg_" + Guid.NewGuid().ToString("N");
            var timestamp = Now.AddSeconds(i * 37);
            var body = TechLinkSamples.All[i % TechLinkSamples.All.Count].Value + new string('é', i);

            var expected = new StandardWebhook(secret).Sign(id, timestamp, body);

            Assert.Equal(expected, WebhookSignature.Sign(secret, id, timestamp, body));
        }
    }

    [Fact]
    public void Verify_SignatureFromStandardWebhooksLibrary_IsValid()
    {
        var secret = WebhookSecret.Generate();
        var body = TechLinkSamples.For(TechLinkEventTypes.WorkOrderStatusChange);
        var signature = new StandardWebhook(secret).Sign("msg_1", Now, body);
        var verifier = new WebhookVerifier(null, [secret], new FakeTimeProvider(Now));

        Assert.True(verifier.Verify(Headers("msg_1", Now, signature), body).IsValid);
    }

    [Fact]
    public void StandardWebhooksLibrary_VerifiesOurSignature()
    {
        var secret = WebhookSecret.Generate();
        var body = TechLinkSamples.For(TechLinkEventTypes.WorkOrderNoteAdded);
        var now = DateTimeOffset.UtcNow;
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_2",
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(),
            ["webhook-signature"] = WebhookSignature.Sign(secret, "msg_2", now, body),
        };

        new StandardWebhook(secret).Verify(body, headers); // throws when invalid
    }

    [Fact]
    public void StandardWebhooksLibrary_RejectsOurSignatureWithOtherSecret()
    {
        var body = TechLinkSamples.For(TechLinkEventTypes.WorkOrderNoteAdded);
        var now = DateTimeOffset.UtcNow;
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_2",
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(),
            ["webhook-signature"] = WebhookSignature.Sign(WebhookSecret.Generate(), "msg_2", now, body),
        };

        Assert.ThrowsAny<Exception>(() => new StandardWebhook(WebhookSecret.Generate()).Verify(body, headers));
    }

    [Fact]
    public void Verify_WrongSecret_InvalidSignature()
    {
        var body = "{}";
        var signature = WebhookSignature.Sign(WebhookSecret.Generate(), "msg_1", Now, body);
        var verifier = new WebhookVerifier(null, [WebhookSecret.Generate()], new FakeTimeProvider(Now));

        Assert.Equal(WebhookVerificationFailure.InvalidSignature, verifier.Verify(Headers("msg_1", Now, signature), body).Failure);
    }

    [Theory]
    [InlineData("body")]
    [InlineData("id")]
    [InlineData("timestamp")]
    public void Verify_TamperedPart_InvalidSignature(string part)
    {
        var secret = WebhookSecret.Generate();
        var body = TechLinkSamples.For(TechLinkEventTypes.WorkOrderClosed);
        var signature = WebhookSignature.Sign(secret, "msg_1", Now, body);
        var verifier = new WebhookVerifier(null, [secret], new FakeTimeProvider(Now));

        var headers = part switch
        {
            "id" => Headers("msg_2", Now, signature),
            "timestamp" => Headers("msg_1", Now.AddSeconds(1), signature),
            _ => Headers("msg_1", Now, signature),
        };
        var sent = part == "body" ? body.Replace("123456", "123457", StringComparison.Ordinal) : body;

        Assert.Equal(WebhookVerificationFailure.InvalidSignature, verifier.Verify(headers, sent).Failure);
    }

    [Fact]
    public void Verify_SeveralSignaturesOnlyLastMatches_IsValid()
    {
        var secret = WebhookSecret.Generate();
        var body = "{\"event\":\"work order closed\",\"workorder_id\":\"1\"}";
        var good = WebhookSignature.Sign(secret, "msg_1", Now, body);
        var header = $"v1,{Convert.ToBase64String(new byte[32])} v2,abc v1a,xyz v1,notbase64!! {good}";
        var verifier = new WebhookVerifier(null, [secret], new FakeTimeProvider(Now));

        Assert.True(verifier.Verify(Headers("msg_1", Now, header), body).IsValid);
    }

    [Fact]
    public void Verify_RotatedSecrets_AcceptsEitherOldOrNew()
    {
        var oldSecret = WebhookSecret.Generate();
        var newSecret = WebhookSecret.Generate();
        var body = "{}";
        var verifier = new WebhookVerifier(null, [newSecret, oldSecret], new FakeTimeProvider(Now));

        Assert.True(verifier.Verify(Headers("m", Now, WebhookSignature.Sign(oldSecret, "m", Now, body)), body).IsValid);
        Assert.True(verifier.Verify(Headers("m", Now, WebhookSignature.Sign(newSecret, "m", Now, body)), body).IsValid);
        // The sender signs with both during its rotation window.
        var both = WebhookSignature.Sign(newSecret, "m", Now, body) + " " + WebhookSignature.Sign(oldSecret, "m", Now, body);
        Assert.True(new WebhookVerifier(null, [oldSecret], new FakeTimeProvider(Now)).Verify(Headers("m", Now, both), body).IsValid);
        Assert.False(new WebhookVerifier(null, [WebhookSecret.Generate()], new FakeTimeProvider(Now)).Verify(Headers("m", Now, both), body).IsValid);
    }

    [Theory]
    [InlineData(-299, true)]
    [InlineData(299, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    [InlineData(-301, false)]
    [InlineData(86_400, false)]
    public void Verify_DefaultTolerance_FiveMinutesEitherWay(int clockAheadSeconds, bool valid)
    {
        var secret = WebhookSecret.Generate();
        var signature = WebhookSignature.Sign(secret, "m", Now, "{}");
        var clock = new FakeTimeProvider(Now.AddSeconds(clockAheadSeconds));

        var result = new WebhookVerifier(null, [secret], clock).Verify(Headers("m", Now, signature), "{}");

        Assert.Equal(valid, result.IsValid);
        if (!valid) Assert.Equal(WebhookVerificationFailure.TimestampOutOfTolerance, result.Failure);
    }

    [Fact]
    public void Verify_CustomTolerance_Honoured()
    {
        var secret = WebhookSecret.Generate();
        var signature = WebhookSignature.Sign(secret, "m", Now, "{}");
        var verifier = new WebhookVerifier(null, [secret], new FakeTimeProvider(Now.AddSeconds(31)), TimeSpan.FromSeconds(30));

        Assert.Equal(WebhookVerificationFailure.TimestampOutOfTolerance, verifier.Verify(Headers("m", Now, signature), "{}").Failure);
    }

    [Theory]
    [InlineData(null, "1796000000", "v1,x")]
    [InlineData("m", null, "v1,x")]
    [InlineData("m", "1796000000", null)]
    public void Verify_MissingHeader_Fails(string? id, string? timestamp, string? signature)
    {
        var verifier = new WebhookVerifier(null, [WebhookSecret.Generate()], new FakeTimeProvider(Now));

        Assert.Equal(WebhookVerificationFailure.MissingSignatureHeaders, verifier.Verify(new WebhookHeaders(id, timestamp, signature, null), "{}").Failure);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void Verify_MalformedTimestamp_Fails(string timestamp)
    {
        var verifier = new WebhookVerifier(null, [WebhookSecret.Generate()], new FakeTimeProvider(Now));

        Assert.Equal(WebhookVerificationFailure.InvalidTimestamp, verifier.Verify(new WebhookHeaders("m", timestamp, "v1,x", null), "{}").Failure);
    }

    [Theory]
    [InlineData("s3cret-token", true, WebhookVerificationFailure.None)]
    [InlineData("s3cret-tokeN", false, WebhookVerificationFailure.InvalidToken)]
    [InlineData("s3cret", false, WebhookVerificationFailure.InvalidToken)]
    [InlineData("s3cret-token-and-more", false, WebhookVerificationFailure.InvalidToken)]
    [InlineData(null, false, WebhookVerificationFailure.MissingToken)]
    public void Verify_Token_ComparedExactly(string? presented, bool valid, WebhookVerificationFailure failure)
    {
        var result = new WebhookVerifier("s3cret-token", null).Verify(new WebhookHeaders(null, null, null, presented), "{}");

        Assert.Equal(valid, result.IsValid);
        Assert.Equal(failure, result.Failure);
    }

    [Fact]
    public void Verify_TokenAndSignature_BothRequired()
    {
        var secret = WebhookSecret.Generate();
        var signature = WebhookSignature.Sign(secret, "m", Now, "{}");
        var verifier = new WebhookVerifier("tok", [secret], new FakeTimeProvider(Now));

        Assert.True(verifier.Verify(new WebhookHeaders("m", Now.ToUnixTimeSeconds().ToString(), signature, "tok"), "{}").IsValid);
        Assert.Equal(WebhookVerificationFailure.InvalidToken, verifier.Verify(new WebhookHeaders("m", Now.ToUnixTimeSeconds().ToString(), signature, "bad"), "{}").Failure);
        Assert.Equal(WebhookVerificationFailure.MissingSignatureHeaders, verifier.Verify(new WebhookHeaders(null, null, null, "tok"), "{}").Failure);
    }

    [Fact]
    public void Verify_Utf8BodyBytes_SameAsString()
    {
        var secret = WebhookSecret.Generate();
        var body = "{\"event\":\"work order note added\",\"content\":\"Café – naïve ✓\"}";
        var signature = WebhookSignature.Sign(secret, "m", Now, body);
        var verifier = new WebhookVerifier(null, [secret], new FakeTimeProvider(Now));

        Assert.True(verifier.Verify(Headers("m", Now, signature), Encoding.UTF8.GetBytes(body)).IsValid);
    }

    [Theory]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64")]
    [InlineData("")]
    public void Secret_Malformed_Rejected(string secret)
    {
        Assert.False(WebhookSecret.TryGetKey(secret, out _));
    }

    [Fact]
    public void Secret_Generate_HasPrefixAndDecodes()
    {
        var secret = WebhookSecret.Generate(48);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(48, WebhookSecret.GetKey(secret).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSecret.Generate(16));
    }

    [Fact]
    public void Verifier_Source_UsesFixedTimeEquals()
    {
        // Guards the constant-time property against a refactoring to SequenceEqual or ==.
        var source = File.ReadAllText(Path.Combine(RepoRoot(), "src", "TechLink.Webhooks", "Verification", "WebhookVerification.cs"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(source, @"CryptographicOperations\.FixedTimeEquals\("));
        Assert.DoesNotContain("SequenceEqual(expected", source, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static WebhookHeaders Headers(string id, DateTimeOffset timestamp, string signature) =>
        new(id, timestamp.ToUnixTimeSeconds().ToString(), signature, null);
}
