using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace TechLink.Cli.Tests;

/// <summary><c>webhooks replay</c> against a small fake of the API on real Kestrel whose replay makes progress on each poll.</summary>
public sealed class WebhooksReplayCommandTests : IAsyncLifetime
{
    private const string Key = "client-key";
    private readonly ConcurrentQueue<string> _bodies = new();
    private int _polls;
    private WebApplication _app = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != "Bearer " + Key)
            {
                await Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Unknown API key.").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        _app.MapPost("/api/v1/webhooks/{webhookId}/replay", async (string webhookId, HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            _bodies.Enqueue(body);
            if (webhookId == "404") return Results.Problem(statusCode: 404, title: "Not Found", detail: "No such webhook registration.");
            if (body.Contains("\"since\":\"yesterday\"", StringComparison.Ordinal))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["since"] = ["'since' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z."] });
            }

            return Results.Text("""{"replay_id":"7","queued":3}""", "application/json", statusCode: 202);
        });
        _app.MapGet("/api/v1/webhooks/replays/{replayId}", (string replayId) =>
        {
            // Each poll one more delivery is done; the third of them fails again.
            var done = Math.Min(3, Interlocked.Increment(ref _polls) - 1);
            var (succeeded, failed) = done == 3 ? (2, 1) : (done, 0);
            return Results.Text($$"""{"replay_id":"{{replayId}}","webhook_id":"42","queued":3,"pending":{{3 - done}},"succeeded":{{succeeded}},"failed":{{failed}}}""", "application/json");
        });
        await _app.StartAsync();
        _url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Replay_StartsThenShowsProgressUntilNothingPending()
    {
        var run = await Cli.RunAsync("webhooks", "replay", "42", "--since", "2026-11-28T00:00:00Z", "--until", "2026-11-29T00:00:00Z", "--all",
            "--poll", "00:00:00.050", "--url", _url, "--api-key", Key);

        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("Replay 7: 3 deliveries queued.", lines[0]);
        Assert.Equal("0/3 sent (0 succeeded, 0 failed, 3 pending)", lines[1]);
        Assert.Equal("3/3 sent (2 succeeded, 1 failed, 0 pending)", lines[^2]);
        Assert.Equal("Replay 7 done: 2 succeeded, 1 failed of 3.", lines[^1]);
        // One delivery failed again: the exit code says so.
        Assert.Equal(1, run.ExitCode);
        var body = Assert.Single(_bodies);
        Assert.Contains("\"since\":\"2026-11-28T00:00:00Z\"", body, StringComparison.Ordinal);
        Assert.Contains("\"until\":\"2026-11-29T00:00:00Z\"", body, StringComparison.Ordinal);
        Assert.Contains("\"only_failed\":false", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BadSince_ShowsTheServersProblemExit1()
    {
        var run = await Cli.RunAsync("webhooks", "replay", "42", "--since", "yesterday", "--url", _url, "--api-key", Key);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("since", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, _polls);
    }

    [Fact]
    public async Task Replay_NoSince_UsageError()
    {
        var run = await Cli.RunAsync("webhooks", "replay", "42", "--url", _url, "--api-key", Key);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--since", run.Error, StringComparison.Ordinal);
        Assert.Empty(_bodies);
    }
}
