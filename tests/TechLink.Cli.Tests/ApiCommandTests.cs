using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace TechLink.Cli.Tests;

/// <summary><c>events tail</c> and <c>keys</c> against a small fake of the API on real Kestrel.</summary>
public sealed class ApiCommandTests : IAsyncLifetime
{
    private const string Key = "staff-key";
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly List<string> _feed = [];
    private WebApplication _app = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        for (var i = 1; i <= 3; i++) _feed.Add(FeedItem(i));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            if (context.Request.Headers.Authorization != "Bearer " + Key)
            {
                await Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Unknown API key.").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        _app.MapGet("/api/v1/events", (HttpContext c) =>
        {
            var since = int.TryParse(c.Request.Query["since"], out var s) ? s : 0;
            string[] items;
            lock (_feed) items = [.. _feed.Skip(since)];
            return Results.Text($$"""{"items":[{{string.Join(',', items)}}],"next_cursor":null}""", "application/json");
        });
        _app.MapPost("/api/v1/companies/{companyId}/api-keys", (string companyId) => companyId == "404"
            ? Results.Problem(statusCode: 404, title: "Not Found", detail: "No such company.")
            : Results.Text("""{"api_key_id":"31","key":"tlk_live_abc123"}""", "application/json", statusCode: 201));
        _app.MapGet("/api/v1/companies/{companyId}/api-keys", () => Results.Text(
            """{"items":[{"api_key_id":"31","name":"ERP integration","created_at":"2026-11-28T12:00:00Z"},{"api_key_id":"32","name":"BI","created_at":"2026-11-28T12:30:00Z","revoked_at":"2026-11-28T13:00:00Z"}],"next_cursor":null}""",
            "application/json"));
        _app.MapDelete("/api/v1/companies/{companyId}/api-keys/{keyId}", () => Results.NoContent());
        await _app.StartAsync();
        _url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task EventsTail_PrintsFeedSinceId()
    {
        var run = await Cli.RunAsync("events", "tail", "--url", _url, "--api-key", Key, "--since", "1");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("2  2026-11-28 12:00:02Z  work order status change  wo 1002  60 Scheduled -> 70 Tech On Site", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("3  ", lines[1], StringComparison.Ordinal);
        Assert.Contains("GET /api/v1/events?since=1", _requests);
    }

    [Fact]
    public async Task EventsTail_Follow_PrintsNewEventsUntilCancelled()
    {
        using var output = new LineWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => Program.RunAsync(["events", "tail", "--url", _url, "--api-key", Key, "--follow", "--interval", "1"], output, TextWriter.Null, stop.Token));
        await output.WaitForAsync(l => l.StartsWith("3  ", StringComparison.Ordinal));

        lock (_feed) _feed.Add(FeedItem(4));
        await output.WaitForAsync(l => l.StartsWith("4  ", StringComparison.Ordinal));
        await stop.CancelAsync();

        Assert.Equal(0, await run);
        Assert.Equal(4, output.Lines.Count);
        Assert.Contains(_requests, r => r == "GET /api/v1/events?since=3");
    }

    [Fact]
    public async Task EventsTail_BadKey_Exit1WithProblem()
    {
        var run = await Cli.RunAsync("events", "tail", "--url", _url, "--api-key", "wrong");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("401", run.Error, StringComparison.Ordinal);
        Assert.Contains("Unknown API key.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventsTail_KeyFromEnvironment()
    {
        Environment.SetEnvironmentVariable("TECHLINK_API_KEY", Key);
        try
        {
            var run = await Cli.RunAsync("events", "tail", "--url", _url);
            Assert.Equal(0, run.ExitCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TECHLINK_API_KEY", null);
        }
    }

    [Fact]
    public async Task KeysCreate_PrintsKeyOnce()
    {
        var run = await Cli.RunAsync("keys", "create", "--url", _url, "--api-key", Key, "--company", "1007", "--name", "ERP integration");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("api_key_id: 31", run.Out, StringComparison.Ordinal);
        Assert.Contains("key:        tlk_live_abc123", run.Out, StringComparison.Ordinal);
        Assert.Contains("POST /api/v1/companies/1007/api-keys", _requests);
    }

    [Fact]
    public async Task KeysCreate_UnknownCompany_Exit1()
    {
        var run = await Cli.RunAsync("keys", "create", "--url", _url, "--api-key", Key, "--company", "404", "--name", "x");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No such company.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysList_PrintsTable()
    {
        var run = await Cli.RunAsync("keys", "list", "--url", _url, "--api-key", Key, "--company", "1007");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ERP integration", run.Out, StringComparison.Ordinal);
        Assert.Contains("2026-11-28 13:00:00Z", run.Out, StringComparison.Ordinal);
        Assert.Contains("2 key(s)", run.Out, StringComparison.Ordinal);
        Assert.Contains("GET /api/v1/companies/1007/api-keys", _requests);
    }

    [Fact]
    public async Task KeysRevoke_Deletes()
    {
        var run = await Cli.RunAsync("keys", "revoke", "--url", _url, "--api-key", Key, "--company", "1007", "--key-id", "31");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Revoked API key 31", run.Out, StringComparison.Ordinal);
        Assert.Contains("DELETE /api/v1/companies/1007/api-keys/31", _requests);
    }

    private static string FeedItem(int i) =>
        $$$"""{"event_id":"{{{i}}}","type":"work order status change","workorder_id":"{{{1000 + i}}}","created_at":"2026-11-28T12:00:0{{{i}}}Z","payload":{"event":"work order status change","workorder_id":"{{{1000 + i}}}","old_status_code":"60","old_status":"Scheduled","new_status_code":"70","new_status":"Tech On Site"}}""";
}
