using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// The delivery log's filters of issue 14: <c>since</c> (inclusive) and <c>until</c> (exclusive) on <c>created_at</c>,
/// the last attempt's <c>status_code</c>, the <c>webhook-id</c> header, and test sends (left out unless <c>test=true</c>,
/// which lists only them; <c>test=all</c> lists both, for the portal's "Include test sends"). A bad value names its parameter in the 400.
/// No index holds <c>created_at</c>: <c>since</c> also bounds the id from below (<see cref="IdMarks"/>), so the newest-first
/// walk of <c>(tenant_id, id)</c> or <c>(endpoint_id, id)</c> stops there; <c>until</c> is a filter on the rows walked.
/// </summary>
internal static class DeliveryLogFilters
{
    public static async Task<IQueryable<DeliveryRecord>> ApplyAsync(IQueryable<DeliveryRecord> query, DbContext db, Validator v,
        string? since, string? until, string? statusCode, string? webhookMessageId, string? test, CancellationToken ct)
    {
        if (since is not null)
        {
            if (Instant(since) is { } from)
            {
                var floor = await IdMarks.DeliveryFloorAsync(db, from, ct);
                query = query.Where(d => d.Id > floor && d.CreatedAt >= from);
            }
            else
            {
                v.Add("since", "'since' must be an ISO 8601 instant, e.g. 2026-03-01T12:00:00Z.");
            }
        }

        if (until is not null)
        {
            if (Instant(until) is { } to) query = query.Where(d => d.CreatedAt < to);
            else v.Add("until", "'until' must be an ISO 8601 instant, e.g. 2026-03-02T12:00:00Z.");
        }

        if (statusCode is not null)
        {
            if (int.TryParse(statusCode, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599)
            {
                query = query.Where(d => d.LastStatusCode == code);
            }
            else
            {
                v.Add("status_code", "'status_code' must be an HTTP status code (100-599).");
            }
        }

        if (webhookMessageId is not null)
        {
            if (webhookMessageId.Length is 0 or > 64) v.Add("webhook_message_id", "'webhook_message_id' must be a webhook-id header value (at most 64 characters).");
            else query = query.Where(d => d.WebhookMessageId == webhookMessageId);
        }

        switch (test)
        {
            case null or "false":
                query = query.Where(d => !d.IsTest);
                break;
            case "true":
                query = query.Where(d => d.IsTest);
                break;
            case "all":
                break;
            default:
                v.Add("test", "'test' must be true, false or all (real deliveries and test sends together).");
                break;
        }

        return query;
    }

    /// <summary>An instant with its offset (Z or ±hh:mm), as UTC; a bare date or local time is refused as ambiguous.</summary>
    private static DateTime? Instant(string text) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            && (text.EndsWith('Z') || text.EndsWith("z", StringComparison.Ordinal) || text.Length > 6 && text[^6] is '+' or '-')
            ? value.UtcDateTime
            : null;
}
