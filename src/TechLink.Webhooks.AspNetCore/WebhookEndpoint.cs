using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace TechLink.Webhooks;

internal sealed partial class WebhookEndpoint(
    TechLinkWebhookOptions options,
    WebhookVerifier verifier,
    IWebhookDeduplicationStore deduplication,
    IReadOnlyList<HandlerRegistration> registrations,
    ILogger logger)
{
    // Long enough for slow handlers; a crashed process frees the id again after it.
    private static readonly TimeSpan ProcessingLease = TimeSpan.FromMinutes(5);

    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var body = await ReadBodyAsync(http, cancellationToken);
        if (body is null)
        {
            await ProblemAsync(http, StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body exceeds {options.MaxBodyBytes} bytes.");
            return;
        }

        var headers = WebhookHeaders.From(name => http.Request.Headers.TryGetValue(name, out var v) && v.Count > 0 ? v.ToString() : null);
        var verification = verifier.Verify(headers, body);
        if (!verification.IsValid)
        {
            LogRejected(logger, headers.WebhookId, verification.Failure, verification.Message);
            await ProblemAsync(http, StatusCodes.Status401Unauthorized, "Webhook verification failed", verification.Message);
            return;
        }

        var json = Encoding.UTF8.GetString(body);
        if (!WebhookParser.TryParse(json, out var webhookEvent, out var error))
        {
            LogUnparseable(logger, headers.WebhookId, error);
            await ProblemAsync(http, StatusCodes.Status400BadRequest, "Not a TechLink event", error);
            return;
        }

        var webhookId = string.IsNullOrEmpty(headers.WebhookId) ? null : headers.WebhookId;
        if (webhookId is not null)
        {
            var state = await deduplication.TryClaimAsync(webhookId, ProcessingLease, cancellationToken);
            if (state == DeduplicationState.Processed)
            {
                LogDuplicate(logger, webhookId, webhookEvent.Event);
                await Results.Json(new { status = "duplicate" }, statusCode: StatusCodes.Status200OK).ExecuteAsync(http);
                return;
            }

            if (state == DeduplicationState.InProgress)
            {
                // Answering 200 here would lose the event if the first attempt then fails; 409 makes the sender retry later.
                await ProblemAsync(http, StatusCodes.Status409Conflict, "Already processing", $"webhook-id {webhookId} is being processed.");
                return;
            }
        }

        var context = new WebhookContext(webhookId, ParseTimestamp(headers.WebhookTimestamp), http.RequestServices)
        {
            Sequence = WebhookSequence.Parse(http.Request.Headers[WebhookSequence.Header].ToString()),
        };
        try
        {
            foreach (var registration in registrations)
            {
                if (registration.EventType.IsInstanceOfType(webhookEvent))
                {
                    await registration.Invoke(webhookEvent, context, cancellationToken);
                }
            }
        }
        catch (Exception ex)
        {
            if (webhookId is not null) await deduplication.ReleaseAsync(webhookId, CancellationToken.None);
            LogHandlerFailed(logger, ex, webhookId, webhookEvent.Event);
            if (!http.Response.HasStarted)
            {
                await ProblemAsync(http, StatusCodes.Status500InternalServerError, "Webhook handler failed", "The event was not processed; retry later.");
            }

            return;
        }

        if (webhookId is not null) await deduplication.CompleteAsync(webhookId, options.DeduplicationWindow, CancellationToken.None);
        LogProcessed(logger, webhookId, webhookEvent.Event);
        await Results.Json(new { status = "processed" }, statusCode: StatusCodes.Status200OK).ExecuteAsync(http);
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > options.MaxBodyBytes) return null;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && limit.MaxRequestBodySize is { } current && current < options.MaxBodyBytes)
        {
            limit.MaxRequestBodySize = options.MaxBodyBytes;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > options.MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static DateTimeOffset? ParseTimestamp(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static Task ProblemAsync(HttpContext http, int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(http);

    [LoggerMessage(EventId = AspNetCore.LogEventIds.Rejected, Level = LogLevel.Warning, Message = "TechLink webhook {WebhookId} rejected: {Failure} ({Reason})")]
    private static partial void LogRejected(ILogger logger, string? webhookId, WebhookVerificationFailure failure, string reason);

    [LoggerMessage(EventId = AspNetCore.LogEventIds.NotAnEvent, Level = LogLevel.Warning, Message = "TechLink webhook {WebhookId} is not an event: {Error}")]
    private static partial void LogUnparseable(ILogger logger, string? webhookId, string error);

    [LoggerMessage(EventId = AspNetCore.LogEventIds.AlreadyProcessed, Level = LogLevel.Information, Message = "TechLink webhook {WebhookId} ({EventType}) already processed")]
    private static partial void LogDuplicate(ILogger logger, string webhookId, string eventType);

    [LoggerMessage(EventId = AspNetCore.LogEventIds.HandlerFailed, Level = LogLevel.Error, Message = "TechLink webhook {WebhookId} ({EventType}): handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string? webhookId, string eventType);

    [LoggerMessage(EventId = AspNetCore.LogEventIds.Processed, Level = LogLevel.Debug, Message = "TechLink webhook {WebhookId} ({EventType}) processed")]
    private static partial void LogProcessed(ILogger logger, string? webhookId, string eventType);
}
