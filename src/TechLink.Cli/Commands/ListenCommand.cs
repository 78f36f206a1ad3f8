using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary><c>techlink listen</c>: a local receiver that prints, verifies, answers and optionally forwards webhooks.</summary>
internal static class ListenCommand
{
    private const long MaxBodyBytes = 10 * 1024 * 1024;

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Expect", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    public static Command Create(CliIo io)
    {
        var port = new Option<int>("--port", "-p") { Description = "Port on 127.0.0.1 to listen on (0 picks a free one).", Required = true };
        var token = new Option<string>("--token") { Description = "Expected X-Token; each webhook shows whether it matched." };
        var secrets = new Option<string[]>("--secret")
        {
            Description = "Signing secret (whsec_...) to verify webhook-signature; repeat it to accept several during a rotation.",
            AllowMultipleArgumentsPerToken = false,
        };
        var status = new Option<int?>("--status") { Description = "HTTP status to answer (default 200; with --forward, the forward target's status)." };
        var forward = new Option<string>("--forward") { Description = "Also POST each webhook (body and headers) to this URL.", HelpName = "URL" };
        forward.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
                r.AddError("--forward must be an absolute http(s) URL.");
        });

        var command = new Command("listen",
            "Run a local webhook receiver on 127.0.0.1 that prints one line per webhook (event, work order, key fields, " +
            "and \"verified\" or \"FAILED: <reason>\" when --token/--secret are given). Any path is accepted.")
        {
            port, token, secrets, status, forward,
        };
        command.WithExamples(
            "techlink listen --port 5005",
            "techlink listen --port 5005 --token my-token --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "techlink listen --port 5005 --status 500            # rehearse the sender's retries",
            "techlink listen --port 5005 --forward http://127.0.0.1:5000/webhooks/techlink");

        command.SetAction((parseResult, cancellationToken) => RunAsync(
            io,
            parseResult.GetValue(port),
            parseResult.GetValue(token),
            parseResult.GetValue(secrets) ?? [],
            parseResult.GetValue(status),
            parseResult.GetValue(forward) is { } f ? new Uri(f) : null,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliIo io, int port, string? token, string[] secrets, int? status, Uri? forward, CancellationToken cancellationToken)
    {
        // Range checks here rather than in option validators: those run even when the value did not parse as a number.
        if (port is < 0 or > 65535)
        {
            await io.Error.WriteLineAsync("error: --port must be 0-65535. Run 'techlink listen --help' for usage.");
            return ExitCodes.Usage;
        }

        if (status is < 100 or > 599)
        {
            await io.Error.WriteLineAsync("error: --status must be an HTTP status code (100-599). Run 'techlink listen --help' for usage.");
            return ExitCodes.Usage;
        }

        WebhookVerifier? verifier;
        try
        {
            verifier = string.IsNullOrEmpty(token) && secrets.Length == 0 ? null : new WebhookVerifier(token, secrets);
        }
        catch (FormatException ex)
        {
            await io.Error.WriteLineAsync("error: --secret: " + ex.Message + " Run 'techlink listen --help' for usage.");
            return ExitCodes.Usage;
        }

#pragma warning disable CA2000 // The HttpClient owns the handler (disposeHandler: true) and is disposed by its using.
        using var forwarder = forward is null ? null : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(15) };
#pragma warning restore CA2000
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1AndHttp2);
        });
        await using var app = builder.Build();
        app.Run(context => HandleAsync(context, io, verifier, status, forward, forwarder));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await io.Error.WriteLineAsync($"error: cannot listen on 127.0.0.1:{port}: {ex.Message}");
            return ExitCodes.Failure;
        }

        var address = app.Urls.First().TrimEnd('/');
        var checks = verifier is null ? "no verification" : string.Join(" and ", new[] { verifier.ChecksToken ? "X-Token" : null, verifier.ChecksSignature ? "signature" : null }.OfType<string>()) + " checked";
        await io.Out.WriteLineAsync($"Listening on {address}/ ({checks}; answering {(status?.ToString(CultureInfo.InvariantCulture) ?? (forward is null ? "200" : "the forward target's status"))}). Press Ctrl+C to stop.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        return ExitCodes.Ok;
    }

    private static async Task HandleAsync(HttpContext context, CliIo io, WebhookVerifier? verifier, int? status, Uri? forward, HttpClient? forwarder)
    {
        var started = Stopwatch.GetTimestamp();
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var request = context.Request;

        var line = new StringBuilder();
        line.Append(DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append("  ").Append(request.Method).Append(' ').Append(request.Path).Append("  ");
        var text = Encoding.UTF8.GetString(body);
        line.Append(TechLinkEvent.TryParse(text, out var webhookEvent, out var parseError)
            ? EventSummary.Describe(webhookEvent)
            : "UNPARSEABLE: " + parseError);

        if (verifier is not null)
        {
            var result = verifier.Verify(WebhookHeaders.From(name => request.Headers.TryGetValue(name, out var v) && v.Count > 0 ? v.ToString() : null), body);
            line.Append("  ").Append(result.IsValid ? "verified" : "FAILED: " + result.Message);
        }

        if (request.Headers.TryGetValue(WebhookHeaders.IdHeader, out var id)) line.Append("  id ").Append(id.ToString());

        var answer = status ?? StatusCodes.Status200OK;
        if (forward is not null && forwarder is not null)
        {
            var forwarded = await ForwardAsync(request, body, forward, forwarder, context.RequestAborted);
            line.Append("  forward -> ").Append(forwarded.Description);
            if (status is null) answer = forwarded.Status;
        }

        context.Response.StatusCode = answer;
        line.Append("  -> ").Append(answer.ToString(CultureInfo.InvariantCulture))
            .Append(" (").Append(Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)).Append(" ms)");
        await io.Out.WriteLineAsync(line.ToString());
    }

    private static async Task<(int Status, string Description)> ForwardAsync(HttpRequest request, byte[] body, Uri target, HttpClient forwarder, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name)) continue;
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        try
        {
            using var response = await forwarder.SendAsync(message, cancellationToken);
            return ((int)response.StatusCode, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException ex)
        {
            return (StatusCodes.Status502BadGateway, "FAILED: " + ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (StatusCodes.Status504GatewayTimeout, "FAILED: timed out");
        }
    }
}
