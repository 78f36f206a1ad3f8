using System.Text.RegularExpressions;
using TechLink.Testing;
using TechLink.Webhooks;

namespace TechLink.Cli.Tests;

public sealed partial class ListenTriggerTests
{
    private const string Token = "tok-42";
    private static readonly string Secret = WebhookSecret.Generate();

    public static TheoryData<string> EventTypes => [.. TechLinkEventTypes.All];

    [Theory]
    [MemberData(nameof(EventTypes))]
    public async Task Trigger_EachEventType_ListenShowsEventAndVerified(string eventType)
    {
        await using var listener = await RunningListener.StartAsync("--token", Token, "--secret", Secret);

        var run = await Cli.RunAsync("trigger", eventType, "--url", listener.Url.ToString(), "--token", Token, "--secret", Secret);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("-> 200", run.Out, StringComparison.Ordinal);
        var line = await listener.LineForAsync(MessageId(run.Out));
        Assert.Contains("  " + eventType + "  ", line + "  ", StringComparison.Ordinal);
        Assert.Contains("  verified", line, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", line, StringComparison.Ordinal);
        if (eventType.StartsWith("work order", StringComparison.Ordinal)) Assert.Contains("wo 123456", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_KeyFieldsShownPerType()
    {
        await using var listener = await RunningListener.StartAsync();

        var status = await Cli.RunAsync("trigger", "work order status change", "--url", listener.Url.ToString());
        var onSite = await Cli.RunAsync("trigger", "work order tech on-site", "--url", listener.Url.ToString());

        Assert.Contains("60 Scheduled -> 70 Tech On Site", await listener.LineForAsync(MessageId(status.Out)), StringComparison.Ordinal);
        var line = await listener.LineForAsync(MessageId(onSite.Out));
        Assert.Contains("tech John Smith (123-4567-8900)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("verified", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_WrongSecret_ListenShowsFailedVerification()
    {
        await using var listener = await RunningListener.StartAsync("--secret", Secret);

        var run = await Cli.RunAsync("trigger", "work order closed", "--url", listener.Url.ToString(), "--secret", WebhookSecret.Generate());

        var line = await listener.LineForAsync(MessageId(run.Out));
        Assert.Contains("FAILED: no webhook-signature matches", line, StringComparison.Ordinal);
        Assert.DoesNotContain("verified", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_Unsigned_ListenWithSecretShowsFailed()
    {
        await using var listener = await RunningListener.StartAsync("--secret", Secret);

        var run = await Cli.RunAsync("trigger", "work order closed", "--url", listener.Url.ToString());

        Assert.Contains("FAILED: webhook-id, webhook-timestamp or webhook-signature header missing", await listener.LineForAsync(MessageId(run.Out)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_WrongToken_ListenShowsFailed()
    {
        await using var listener = await RunningListener.StartAsync("--token", Token);

        var run = await Cli.RunAsync("trigger", "site created", "--url", listener.Url.ToString(), "--token", "other");

        Assert.Contains("FAILED: X-Token does not match", await listener.LineForAsync(MessageId(run.Out)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_RotatedSecrets_EitherVerifies()
    {
        var old = WebhookSecret.Generate();
        await using var listener = await RunningListener.StartAsync("--secret", Secret, "--secret", old);

        var run = await Cli.RunAsync("trigger", "site updated", "--url", listener.Url.ToString(), "--secret", old);

        Assert.Contains("  verified", await listener.LineForAsync(MessageId(run.Out)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_Status500_TriggerShows500AndFails()
    {
        await using var listener = await RunningListener.StartAsync("--status", "500");

        var run = await Cli.RunAsync("trigger", "work order note added", "--url", listener.Url.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("-> 500", run.Out, StringComparison.Ordinal);
        Assert.Contains("-> 500", await listener.LineForAsync(MessageId(run.Out)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_Forward_RelaysBodyHeadersAndStatus()
    {
        await using var target = await LoopbackReceiver.StartAsync();
        target.Respond = _ => Task.FromResult((202, "accepted"));
        await using var listener = await RunningListener.StartAsync("--forward", target.Url("/webhooks/techlink").ToString());

        var run = await Cli.RunAsync("trigger", "work order task deleted", "--url", listener.Url.ToString(), "--token", Token, "--secret", Secret);

        Assert.Contains("-> 202", run.Out, StringComparison.Ordinal);
        var forwarded = Assert.Single(await target.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal("/webhooks/techlink", forwarded.Path);
        Assert.Equal(TechLinkSamples.For("work order task deleted"), forwarded.Body);
        Assert.Equal(MessageId(run.Out), forwarded.Headers["webhook-id"]);
        Assert.Equal(Token, forwarded.Headers["x-token"]);
        var verifier = new WebhookVerifier(Token, [Secret]);
        var headers = WebhookHeaders.From(name => forwarded.Headers.GetValueOrDefault(name.ToLowerInvariant()));
        Assert.True(verifier.Verify(headers, forwarded.Body).IsValid);
        Assert.Contains("forward -> 202", await listener.LineForAsync(MessageId(run.Out)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_SendsTheServersHeaders()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var run = await Cli.RunAsync("trigger", "work order scheduled", "--url", receiver.Url("/in").ToString(), "--token", Token, "--secret", Secret);

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(receiver.Received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json", request.Headers["content-type"]);
        Assert.Matches(@"^TechLink-Webhooks/\d+\.\d+\.\d+$", request.Headers["user-agent"]);
        Assert.Matches("^msg_[0-9A-Za-z]{27}$", request.Headers["webhook-id"]);
        Assert.InRange(long.Parse(request.Headers["webhook-timestamp"]), before, before + 60);
        Assert.Equal(Token, request.Headers["x-token"]);
        Assert.StartsWith("v1,", request.Headers["webhook-signature"], StringComparison.Ordinal);
        Assert.Equal(TechLinkSamples.For("work order scheduled"), request.Body);
        var verification = new WebhookVerifier(Token, [Secret]).Verify(WebhookHeaders.From(n => request.Headers.GetValueOrDefault(n.ToLowerInvariant())), request.Body);
        Assert.True(verification.IsValid, verification.Message);
    }

    [Fact]
    public async Task Trigger_WithoutTokenOrSecret_OmitsThoseHeaders()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();

        await Cli.RunAsync("trigger", "work order closed", "--url", receiver.Url().ToString());

        var request = Assert.Single(receiver.Received);
        Assert.False(request.Headers.ContainsKey("x-token"));
        Assert.False(request.Headers.ContainsKey("webhook-signature"));
        Assert.True(request.Headers.ContainsKey("webhook-id"));
    }

    [Fact]
    public async Task Trigger_UnknownEventType_Exit2ListsValidTypes()
    {
        var run = await Cli.RunAsync("trigger", "work order exploded", "--url", "http://127.0.0.1:9/");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown event type \"work order exploded\"", run.Error, StringComparison.Ordinal);
        Assert.All(TechLinkEventTypes.All, t => Assert.Contains($"\"{t}\"", run.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Trigger_NobodyListening_Exit1()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        var port = ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();

        var run = await Cli.RunAsync("trigger", "work order closed", "--url", $"http://127.0.0.1:{port}/");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_PortInUse_Exit1()
    {
        await using var listener = await RunningListener.StartAsync();

        var run = await Cli.RunAsync("listen", "--port", listener.Url.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot listen", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_Cancelled_ExitsZero()
    {
        var listener = await RunningListener.StartAsync();

        Assert.Equal(0, await listener.StopAsync());
        await listener.DisposeAsync();
    }

    private static string MessageId(string triggerOutput) => MessageIdPattern().Match(triggerOutput).Value is { Length: > 0 } id
        ? id
        : throw new InvalidOperationException("no webhook-id in: " + triggerOutput);

    [GeneratedRegex("msg_[0-9A-Za-z]+")]
    private static partial Regex MessageIdPattern();
}
