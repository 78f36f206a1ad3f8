using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary><c>techlink trigger</c>: POSTs a realistic sample event with the headers the server sends.</summary>
internal static class TriggerCommand
{
    internal static string UserAgent { get; } =
        "TechLink-Webhooks/" + (typeof(TriggerCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public static Command Create(CliIo io)
    {
        var eventType = new Argument<string>("event-type") { Description = $"The event type, quoted, e.g. \"{TechLinkEventTypes.WorkOrderStatusChange}\"." };
        var url = new Option<string>("--url") { Description = "Receiver URL to POST to.", Required = true, HelpName = "URL" };
        var token = new Option<string>("--token") { Description = "Value of the X-Token header." };
        var secret = new Option<string>("--secret") { Description = "Signing secret (whsec_...); adds webhook-signature." };
        var id = new Option<string>("--id") { Description = "webhook-id to send (default: a new msg_...). Reuse one to rehearse a retry.", HelpName = "MSG_ID" };

        var command = new Command("trigger",
            "POST a realistic sample of an event to a receiver with the server's headers (Content-Type, X-Token, User-Agent, " +
            "webhook-id, webhook-timestamp and, with --secret, webhook-signature). Prints the answer status; exits 1 unless it is 2xx.")
        {
            eventType, url, token, secret, id,
        };
        command.WithExamples([
            $"techlink trigger \"{TechLinkEventTypes.WorkOrderStatusChange}\" --url http://127.0.0.1:5005/hook",
            $"techlink trigger \"{TechLinkEventTypes.WorkOrderPhotoAdded}\" --url http://127.0.0.1:5005/hook --token my-token --secret whsec_...",
            "",
            "Event types:",
            .. TechLinkEventTypes.All.Select(t => "  \"" + t + "\""),
        ]);

        command.SetAction((parseResult, cancellationToken) => RunAsync(
            io,
            parseResult.GetRequiredValue(eventType),
            parseResult.GetRequiredValue(url),
            parseResult.GetValue(token),
            parseResult.GetValue(secret),
            parseResult.GetValue(id),
            cancellationToken));
        return command;
    }

    internal static string NewMessageId() =>
        "msg_" + string.Create(27, 0, static (span, _) =>
        {
            const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });

    private static async Task<int> RunAsync(CliIo io, string eventType, string url, string? token, string? secret, string? id, CancellationToken cancellationToken)
    {
        if (!TechLinkSamples.TryGet(eventType, out var body))
        {
            await io.Error.WriteLineAsync($"error: unknown event type \"{eventType}\". Valid types:");
            foreach (var type in TechLinkEventTypes.All) await io.Error.WriteLineAsync($"  \"{type}\"");
            return ExitCodes.Usage;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            await io.Error.WriteLineAsync("error: --url must be an absolute http(s) URL. See --help.");
            return ExitCodes.Usage;
        }

        if (secret is not null && !WebhookSecret.TryGetKey(secret, out _))
        {
            await io.Error.WriteLineAsync("error: --secret must be whsec_ followed by base64. See --help.");
            return ExitCodes.Usage;
        }

        var messageId = string.IsNullOrWhiteSpace(id) ? NewMessageId() : id;
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (!string.IsNullOrEmpty(token)) request.Headers.Add(WebhookHeaders.TokenHeader, token);
        request.Headers.Add(WebhookHeaders.IdHeader, messageId);
        request.Headers.Add(WebhookHeaders.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (secret is not null) request.Headers.Add(WebhookHeaders.SignatureHeader, WebhookSignature.Sign(WebhookSecret.GetKey(secret), messageId, timestamp, bytes));

        // As the server: no proxy, no redirects (a 3xx is a failed delivery), 15 s timeout.
#pragma warning disable CA2000 // The HttpClient owns the handler (disposeHandler: true) and is disposed by its using.
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(15) };
#pragma warning restore CA2000
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
            var code = (int)response.StatusCode;
            await io.Out.WriteLineAsync($"POST {target}  \"{eventType}\"  {messageId}  -> {code} {response.ReasonPhrase} ({elapsed} ms)");
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (answer.Length > 0) await io.Out.WriteLineAsync("  " + (answer.Length > 300 ? answer[..300] + "..." : answer).ReplaceLineEndings(" "));
            return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (HttpRequestException ex)
        {
            await io.Error.WriteLineAsync($"error: POST {target} failed: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await io.Error.WriteLineAsync($"error: POST {target} timed out after 15 s.");
            return ExitCodes.Failure;
        }
    }
}
