using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Webhooks;

/// <summary>One event of the feed: the exact webhook JSON in <c>payload</c>.</summary>
public sealed record EventResponse(string EventId, string? CompanyId, string Type, string? WorkorderId, string CreatedAt, JsonElement Payload);

/// <summary>
/// A page of the feed. <c>retained_since</c>: the <c>created_at</c> of the oldest event the feed still holds for the
/// caller (retention deletes older ones, <c>TechLink:Retention:Events</c>); null while it holds none. A client whose
/// last seen event is older than this may have missed events that are gone.
/// </summary>
public sealed record EventFeedPage(IReadOnlyList<EventResponse> Items, string? NextCursor, string? RetainedSince);

public static class EventFeedEndpoints
{
    public static RouteGroupBuilder MapEventFeed(this RouteGroupBuilder api)
    {
        api.MapGet("/events", FeedAsync).WithTags("Webhooks").Produces<EventFeedPage>()
            .WithSummary("The company's event feed, oldest first")
            .WithDescription("Every event ever written for the company, with the exact webhook JSON. Use 'since' (an event id, exclusive) to catch up after missed deliveries.");
        return api;
    }

    private static async Task<IResult> FeedAsync(string? since, string? type, string? workorder_id, string? company_id, int? limit, string? cursor,
        HttpContext http, TechLinkDbContext db, FileUrlFinisher files, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var v = new Validator();
        var after = page.After;
        if (since is not null)
        {
            // 0 is a valid "since": a client that has seen nothing yet catches up from the beginning.
            if (long.TryParse(since, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s)) after = Math.Max(after, s);
            else v.Add("since", "'since' must be an event id (a string of digits), or 0 for the beginning.");
        }

        // Test sends write their sample event under no company: never part of a feed.
        var held = db.Events.AsNoTracking().Where(e => e.TenantId != TestSendLog.NoTenant);
        if (!caller.IsStaff) held = held.Where(e => e.TenantId == caller.CompanyId);
        else if (company_id is not null)
        {
            var c = v.Id("company_id", company_id);
            held = held.Where(e => e.TenantId == c);
        }

        var query = held.Where(e => e.Id > after);

        if (type is not null)
        {
            if (!EventCatalog.IsEventType(type)) v.Add("type", $"'{Problems.Quote(type)}' is not an event type (see GET /api/v1/webhooks/event-types).");
            query = query.Where(e => e.EventType == type);
        }

        if (workorder_id is not null)
        {
            v.Id("workorder_id", workorder_id);
            query = query.Where(e => e.Subject == workorder_id);
        }

        if (v.Failed) return v.Problem();
        var rows = await query.OrderBy(e => e.Id).Take(page.Limit + 1).ToListAsync(ct);
        // Ids and instants rise together, so the lowest id held is the oldest (one index probe).
        var oldest = await held.OrderBy(e => e.Id).Select(e => (DateTime?)e.CreatedAt).FirstOrDefaultAsync(ct);
        var built = page.Build(rows, e => e.Id, e => new EventResponse(
            Formats.Id(e.Id), Formats.Id(e.TenantId), e.EventType, e.Subject, Formats.Instant(e.CreatedAt), JsonDocument.Parse(files.Finish(e.Payload)).RootElement.Clone()));
        return TypedResults.Ok(new EventFeedPage(built.Items, built.NextCursor, Formats.Instant(oldest)));
    }
}
