using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Tests.Infrastructure;

namespace TechLink.Delivery.Tests.Hostile;

/// <summary>
/// The sender against receivers that misbehave on purpose (real sockets on 127.0.0.1): every attempt ends within
/// the timeout plus one second, fails with a reason a client can act on, and keeps at most 4 KB of the answer.
/// </summary>
public sealed class MisbehavingReceiverTests
{
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    internal static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);
    private const string Payload = "{\"event\":\"work order created\",\"workorder_id\":\"123456\"}";

    // The receivers are on loopback: ShowPrivateAnswers keeps their bodies and reasons, which these tests are about.
    internal static WebhookSender Sender(int excerptBytes = 4096, TimeSpan? timeout = null) =>
        new(Options.Create(new DeliveryOptions { Timeout = timeout ?? AttemptTimeout, MaxResponseExcerptBytes = excerptBytes, ShowPrivateAnswers = true }),
            NetworkGuard.Create(["127.0.0.0/8"]),
            new SystemDnsResolver(),
            TimeProvider.System,
            NullLogger<WebhookSender>.Instance);

    private static async Task<(AttemptOutcome Outcome, TimeSpan Elapsed)> SendAsync(WebhookSender sender, Uri url)
    {
        var watch = Stopwatch.StartNew();
        var outcome = await sender.SendAsync(new EndpointTarget(url, "tok", [TechLink.Delivery.Signing.WebhookSecret.Generate()], true), "msg_1", Payload, CancellationToken.None);
        return (outcome, watch.Elapsed);
    }

    [Theory]
    [InlineData(Misbehavior.NeverAccept, FailureKind.Timeout, "timed out after 2 s")]
    [InlineData(Misbehavior.BacklogFull, FailureKind.Timeout, "timed out after 2 s")]
    [InlineData(Misbehavior.AcceptNeverAnswer, FailureKind.Timeout, "timed out after 2 s")]
    [InlineData(Misbehavior.DripHeaders, FailureKind.Timeout, "timed out after 2 s")]
    [InlineData(Misbehavior.EndlessInterim, FailureKind.Timeout, "timed out after 2 s")]
    [InlineData(Misbehavior.HugeHeaders, FailureKind.Other, "answer headers too large")]
    [InlineData(Misbehavior.HugeHeaderLine, FailureKind.Other, "answer headers too large")]
    [InlineData(Misbehavior.DripBody, FailureKind.HttpStatus, "HTTP 500 Internal Server Error")]
    [InlineData(Misbehavior.EndlessErrorBody, FailureKind.HttpStatus, "HTTP 500 Internal Server Error")]
    public async Task SendAsync_MisbehavingReceiver_FailsWithReasonWithinTimeoutPlusOneSecond(Misbehavior kind, FailureKind failure, string error)
    {
        await using var receiver = await MisbehavingReceiver.StartAsync(kind);
        using var sender = Sender();
        // The bound is on the attempt, not on this process's first run of its code: once, in CI, a first attempt took
        // 3.02 s. The same path is run once first against another receiver of the kind, with a short timeout.
        await using (var warmUp = await MisbehavingReceiver.StartAsync(kind))
        {
            using var warmSender = Sender(timeout: TimeSpan.FromMilliseconds(200));
            await SendAsync(warmSender, warmUp.Url);
        }

        var (outcome, elapsed) = await SendAsync(sender, receiver.Url);

        Assert.True(elapsed <= AttemptTimeout + Slack, $"{kind}: the attempt took {elapsed}");
        Assert.Equal(failure, outcome.Failure);
        Assert.Equal(error, outcome.Error);
        Assert.True(Encoding.UTF8.GetByteCount(outcome.ResponseExcerpt ?? "") <= 4096);
        if (kind is not (Misbehavior.NeverAccept or Misbehavior.BacklogFull))
        {
            // Seen from the receiver: the client let go of the connection in time, not later in the background.
            var lifetime = Assert.Single(await receiver.WaitForClosedAsync(1, TimeSpan.FromSeconds(10)));
            Assert.True(lifetime <= AttemptTimeout + Slack, $"{kind}: the connection lived {lifetime}");
        }
    }

    [Fact]
    public async Task SendAsync_EndlessBodyWith200_SucceedsOnTheStatusAndReadsOnlyTheExcerpt()
    {
        // A 200 means the receiver has the event; waiting for a body that never ends would only hold a connection.
        await using var receiver = await MisbehavingReceiver.StartAsync(Misbehavior.EndlessBody);
        using var sender = Sender();

        var (outcome, elapsed) = await SendAsync(sender, receiver.Url);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Equal(4096, Encoding.UTF8.GetByteCount(outcome.ResponseExcerpt!));
        Assert.True(elapsed <= AttemptTimeout + Slack, $"the attempt took {elapsed}");
        var lifetime = Assert.Single(await receiver.WaitForClosedAsync(1, TimeSpan.FromSeconds(10)));
        Assert.True(lifetime <= AttemptTimeout + Slack, $"the connection lived {lifetime}");
    }

    [Theory]
    [InlineData(301, FailureKind.Redirect, "redirect (301) not followed", null)]
    [InlineData(302, FailureKind.Redirect, "redirect (302) not followed", null)]
    [InlineData(303, FailureKind.Redirect, "redirect (303) not followed", null)]
    [InlineData(307, FailureKind.Redirect, "redirect (307) not followed", null)]
    [InlineData(308, FailureKind.Redirect, "redirect (308) not followed", null)]
    [InlineData(400, FailureKind.HttpStatus, "HTTP 400 Bad Request", null)]
    [InlineData(401, FailureKind.HttpStatus, "HTTP 401 Unauthorized", null)]
    [InlineData(403, FailureKind.HttpStatus, "HTTP 403 Forbidden", null)]
    [InlineData(404, FailureKind.HttpStatus, "HTTP 404 Not Found", null)]
    [InlineData(410, FailureKind.HttpStatus, "HTTP 410 Gone", null)]
    [InlineData(429, FailureKind.HttpStatus, "HTTP 429 Too Many Requests", 30)]
    [InlineData(500, FailureKind.HttpStatus, "HTTP 500 Internal Server Error", null)]
    [InlineData(503, FailureKind.HttpStatus, "HTTP 503 Service Unavailable", 120)]
    public async Task SendAsync_StatusAnswer_FailsWithStatusAndCappedExcerpt(int status, FailureKind failure, string error, int? retryAfterSeconds)
    {
        // Redirects point at a second loopback listener: following one would show up there as a connection.
        using var trap = new TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        var headers = new Dictionary<string, string> { ["Location"] = $"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}/steal" };
        if (retryAfterSeconds is { } seconds) headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var receiver = await MisbehavingReceiver.StartAsync(Misbehavior.Status, status, headers);
        using var sender = Sender();

        var (outcome, elapsed) = await SendAsync(sender, receiver.Url);

        Assert.True(elapsed <= AttemptTimeout + Slack, $"{status}: the attempt took {elapsed}");
        Assert.Equal(failure, outcome.Failure);
        Assert.Equal(status, outcome.StatusCode);
        Assert.Equal(error, outcome.Error);
        Assert.Equal(4096, Encoding.UTF8.GetByteCount(outcome.ResponseExcerpt!));
        Assert.Equal(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, outcome.RetryAfter);
        Assert.Equal(1, receiver.Requests);
        Assert.False(trap.Pending(), "the redirect target got a connection");
    }

    [Fact]
    public async Task SendAsync_RelativeRedirectToItself_IsNotFollowed()
    {
        var headers = new Dictionary<string, string> { ["Location"] = "/hook?again=1" };
        await using var receiver = await MisbehavingReceiver.StartAsync(Misbehavior.Status, 307, headers);
        using var sender = Sender();

        var (outcome, _) = await SendAsync(sender, receiver.Url);

        Assert.Equal(FailureKind.Redirect, outcome.Failure);
        await Task.Delay(200);
        Assert.Equal(1, receiver.Requests);
    }

    [Fact]
    public async Task SendAsync_HugeReasonPhrase_ErrorStaysShort()
    {
        await using var receiver = await MisbehavingReceiver.StartAsync(Misbehavior.Status, 500, reason: new string('r', 60 * 1024));
        using var sender = Sender();

        var (outcome, _) = await SendAsync(sender, receiver.Url);

        Assert.Equal(FailureKind.HttpStatus, outcome.Failure);
        Assert.StartsWith("HTTP 500 rrrr", outcome.Error, StringComparison.Ordinal);
        Assert.InRange(outcome.Error!.Length, 1, 300);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Excerpt_CharacterCutAtTheCap_IsDroppedNotWidened(int asciiPrefix)
    {
        // 4-byte characters after a prefix of 0..3 bytes: the cap at 4096 cuts the last one anywhere inside it.
        var bytes = Encoding.UTF8.GetBytes(new string('a', asciiPrefix) + string.Concat(Enumerable.Repeat("\U0001F600", 1100)))[..4096];

        var excerpt = WebhookSender.Excerpt(bytes, 4096);

        Assert.InRange(Encoding.UTF8.GetByteCount(excerpt), 4093, 4096);
        Assert.DoesNotContain('\uFFFD', excerpt);
        Assert.StartsWith(new string('a', asciiPrefix) + "\U0001F600", excerpt, StringComparison.Ordinal);
    }

    [Fact]
    public void Excerpt_InvalidBytes_StayWithinTheCapAfterDecoding()
    {
        // Each stray continuation byte decodes to U+FFFD, three bytes of UTF-8.
        var bytes = Enumerable.Repeat((byte)0x80, 4096).ToArray();

        var excerpt = WebhookSender.Excerpt(bytes, 4096);

        Assert.InRange(Encoding.UTF8.GetByteCount(excerpt), 4094, 4096);
    }

    [Fact]
    public async Task SendAsync_MultiByteAnswer_StoredExcerptIsAtMostFourKilobytesOfUtf8()
    {
        // "é€😀" is 2 + 3 + 4 bytes: after the one-byte prefix the 4 KB cap falls inside a character.
        var body = "x" + string.Concat(Enumerable.Repeat("\u00e9\u20ac\U0001F600", 1000));
        await using var receiver = await MisbehavingReceiver.StartAsync(Misbehavior.Status, 500, body: body);
        using var sender = Sender();

        var (outcome, _) = await SendAsync(sender, receiver.Url);

        Assert.Equal(FailureKind.HttpStatus, outcome.Failure);
        Assert.InRange(Encoding.UTF8.GetByteCount(outcome.ResponseExcerpt!), 4093, 4096);
        Assert.StartsWith(outcome.ResponseExcerpt!, body, StringComparison.Ordinal);
    }
}
