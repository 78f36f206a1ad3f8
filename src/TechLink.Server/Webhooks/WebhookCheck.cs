using System.Text.Json;
using TechLink.Delivery;
using TechLink.Delivery.Sending;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

public sealed record CheckSend(int? StatusCode, long DurationMs, string? Error);

public sealed record CheckResult(string Event, int? StatusCode, long DurationMs, string? Error);

public sealed record CheckResponse(bool Ready, IReadOnlyList<CheckResult> Results, CheckSend Duplicate, IReadOnlyList<string> Slow);

/// <summary>
/// The readiness check: a sample of every event type the registration covers, then the first again with the same
/// <c>webhook-id</c> (a receiver that deduplicates answers 2xx and does nothing twice). Ready when every send and the
/// duplicate got a 2xx; <c>slow</c> lists the events answered in over half the timeout. Every send is in the log as a test.
/// </summary>
internal static class WebhookCheck
{
    /// <summary>Sends the samples and the duplicate to <paramref name="r"/> (found, and let through the test-send limit, by the caller).</summary>
    public static async Task<CheckResponse> RunAsync(WebhookRegistration r, TechLinkDbContext db, WebhookSecrets secrets, WebhookSender sender,
        DeliveryOptions delivery, TimeProvider clock, CancellationToken ct)
    {
        var types = r.EventTypeList.Contains(EventCatalog.Wildcard)
            ? [.. EventCatalog.All.Select(t => t.Type)]
            : r.EventTypeList.Where(t => EventSamples.For(t) is not null).ToList();
        var target = EndpointDirectory.ToTarget(r, secrets, clock) with { Enabled = true };
        var slowAfter = delivery.Timeout / 2;
        var results = new List<CheckResult>(types.Count);
        var slow = new List<string>();
        var ready = true;
        (string WebhookId, string Payload, string Type, long Id)? first = null;
        foreach (var type in types)
        {
            var sample = EventSamples.For(type)!;
            var payload = JsonSerializer.Serialize(sample, sample.GetType(), ApiJson.Options);
            var webhookId = EventOutbox.NewWebhookId();
            var outcome = await sender.SendAsync(target, webhookId, payload, ct);
            var record = TestSendLog.Add(db, r, type, payload, webhookId, outcome, Formats.Now(clock));
            await db.SaveChangesAsync(ct);
            first ??= (webhookId, payload, type, record.Id);
            results.Add(new CheckResult(type, outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds, outcome.CallerError));
            if (outcome.Duration > slowAfter) slow.Add(type);
            ready &= outcome.Succeeded;
        }

        CheckSend duplicate;
        if (first is { } f)
        {
            var outcome = await sender.SendAsync(target, f.WebhookId, f.Payload, ct);
            TestSendLog.Add(db, r, f.Type, f.Payload, f.WebhookId, outcome, Formats.Now(clock), repeats: f.Id);
            await db.SaveChangesAsync(ct);
            duplicate = new CheckSend(outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds, outcome.CallerError);
            ready &= outcome.Succeeded;
        }
        else
        {
            duplicate = new CheckSend(null, 0, "The registration covers no event type with a sample.");
            ready = false;
        }

        return new CheckResponse(ready, results, duplicate, slow);
    }
}
