using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>One event of the feed: the exact webhook JSON in <c>payload</c>.</summary>
public sealed record EventResponse(string EventId, string? CompanyId, string Type, string? WorkorderId, string CreatedAt, JsonElement Payload);

/// <summary>
/// A page of the feed. <c>retained_since</c>: the <c>created_at</c> of the oldest event the feed still holds for the
/// caller (retention deletes older ones, <c>TechLink:Retention:Events</c>); null while it holds none. A client whose
/// last seen event is older than this may have missed events that are gone.
/// </summary>
public sealed record EventFeedPage(IReadOnlyList<EventResponse> Items, string? NextCursor, string? RetainedSince);

/// <summary>The <c>/events</c> route: maps an <see cref="EventFeedService"/> outcome to its HTTP answer.</summary>
public static class EventFeedEndpoints
{
    public static RouteGroupBuilder MapEventFeed(this RouteGroupBuilder api)
    {
        api.MapGet("/events", FeedAsync).WithTags("Webhooks")
            .WithSummary("The company's event feed, oldest first")
            .WithDescription("Every event ever written for the company, with the exact webhook JSON. Use 'since' (an event id, exclusive) to catch up after missed deliveries.");
        return api;
    }

    private static async Task<Results<Ok<EventFeedPage>, ProblemHttpResult>> FeedAsync(string? since, string? type, string? workorder_id, string? company_id, int? limit, string? cursor,
        HttpContext http, EventFeedService feed, CancellationToken ct) =>
        (await feed.ReadAsync(Caller.From(http.User), new EventFeedQuery(since, type, workorder_id, company_id), limit, cursor, ct)).Map(TypedResults.Ok);
}
