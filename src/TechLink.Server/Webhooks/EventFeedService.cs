using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Webhooks;

/// <summary>The feed's filters, as <c>GET /events</c> names them (all optional).</summary>
public sealed record EventFeedQuery(string? Since = null, string? Type = null, string? WorkorderId = null, string? CompanyId = null);

/// <summary>The company's event feed, oldest first: every event still held, with the exact webhook JSON (file links signed now).</summary>
public sealed class EventFeedService(TechLinkDbContext db, FileUrlFinisher files)
{
    public async Task<Outcome<EventFeedPage>> ReadAsync(Caller caller, EventFeedQuery filter, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var (since, type, workOrderId, companyId) = (filter.Since, filter.Type, filter.WorkorderId, filter.CompanyId);
        var v = new Validator();
        var after = page.After;
        if (since is not null)
        {
            // 0 is a valid "since": a client that has seen nothing yet catches up from the beginning.
            if (long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out var s)) after = Math.Max(after, s);
            else v.Add("since", "'since' must be an event id (a string of digits), or 0 for the beginning.");
        }

        // Test sends write their sample event under no company: never part of a feed.
        var held = db.Events.AsNoTracking().Where(e => e.TenantId != TestSendLog.NoTenant);
        if (caller.IsStaff && companyId is not null)
        {
            var c = v.Id("company_id", companyId);
            held = held.Where(e => e.TenantId == c);
        }

        var query = held.Where(e => e.Id > after);

        if (type is not null)
        {
            if (!EventCatalog.IsEventType(type)) v.Add("type", $"'{Problems.Quote(type)}' is not an event type (see GET /api/v1/webhooks/event-types).");
            query = query.Where(e => e.EventType == type);
        }

        if (workOrderId is not null)
        {
            v.Id("workorder_id", workOrderId);
            query = query.Where(e => e.Subject == workOrderId);
        }

        if (v.Failed) return v.Refusal();
        var rows = await query.OrderBy(e => e.Id).Take(page.Limit + 1).ToListAsync(ct);
        // Ids and instants rise together, so the lowest id held is the oldest (one index probe).
        var oldest = await held.OrderBy(e => e.Id).Select(e => (DateTime?)e.CreatedAt).FirstOrDefaultAsync(ct);
        var built = page.Build(rows, e => e.Id, e => new EventResponse(
            Formats.Id(e.Id), Formats.Id(e.TenantId), e.EventType, e.Subject, Formats.Instant(e.CreatedAt), JsonDocument.Parse(files.Finish(e.Payload)).RootElement.Clone()));
        return new EventFeedPage(built.Items, built.NextCursor, Formats.Instant(oldest));
    }
}
