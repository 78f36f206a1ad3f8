using System.Text.Json;
using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>One page of a list: <c>{"items": [...], "next_cursor": "..." | null}</c>.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items of this page.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Paging of a list request.</summary>
/// <param name="Limit">Page size (server default 100, max 1000).</param>
/// <param name="Cursor">The <see cref="Page{T}.NextCursor"/> of the previous page.</param>
public sealed record PageOptions(int? Limit = null, string? Cursor = null);

/// <summary>Filters of <c>GET /workorders</c>.</summary>
/// <param name="StatusCode">Only this status code, e.g. <c>"60"</c>.</param>
/// <param name="SiteId">Only this site.</param>
/// <param name="UpdatedSince">Only work orders changed at or after this instant.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">Cursor of the next page.</param>
public sealed record WorkOrderQuery(string? StatusCode = null, string? SiteId = null, DateTimeOffset? UpdatedSince = null, int? Limit = null, string? Cursor = null);

/// <summary>Body of <c>POST /workorders</c>.</summary>
/// <param name="SiteId">Job site id.</param>
/// <param name="ClientReference">Your own reference.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Priority"><c>low</c>, <c>normal</c>, <c>high</c> or <c>urgent</c>.</param>
public sealed record CreateWorkOrderRequest(string SiteId, string? ClientReference, string Title, string? Description, string? Priority = "normal");

/// <summary>Body of <c>PATCH /workorders/{id}</c>; null fields are left unchanged.</summary>
/// <param name="ClientReference">New reference.</param>
/// <param name="Title">New title.</param>
/// <param name="Description">New description.</param>
/// <param name="Priority">New priority.</param>
public sealed record UpdateWorkOrderRequest(string? ClientReference = null, string? Title = null, string? Description = null, string? Priority = null);

/// <summary>Body of <c>POST /workorders/{id}/tasks</c>.</summary>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Due">Due instant, or null.</param>
public sealed record CreateTaskRequest(string Title, string? Description = null, DateTimeOffset? Due = null);

/// <summary>Body of <c>PATCH /workorders/{id}/tasks/{task_id}</c>; null fields are left unchanged.</summary>
/// <param name="Title">New title.</param>
/// <param name="Description">New description.</param>
/// <param name="Due">New due instant.</param>
/// <param name="Status"><c>open</c> or <c>completed</c>.</param>
public sealed record UpdateTaskRequest(string? Title = null, string? Description = null, DateTimeOffset? Due = null, string? Status = null);

/// <summary>Filters of the event feed <c>GET /events</c>.</summary>
/// <param name="Since">Only events after this event id.</param>
/// <param name="Type">Only this event type, e.g. <see cref="TechLinkEventTypes.WorkOrderStatusChange"/>.</param>
/// <param name="WorkOrderId">Only events of this work order.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">Cursor of the next page.</param>
public sealed record EventFeedQuery(string? Since = null, string? Type = null, string? WorkOrderId = null, int? Limit = null, string? Cursor = null);

/// <summary>One entry of the event feed.</summary>
/// <param name="EventId">Feed position; pass as <see cref="EventFeedQuery.Since"/> to continue after it.</param>
/// <param name="Type">Event type.</param>
/// <param name="WorkOrderId">Work order id, for work order events.</param>
/// <param name="CreatedAt">When the event happened (UTC).</param>
/// <param name="Payload">The webhook JSON exactly as delivered.</param>
public sealed record FeedEvent(
    string EventId,
    string Type,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    DateTimeOffset? CreatedAt,
    JsonElement Payload)
{
    /// <summary>The payload as a typed event.</summary>
    public TechLinkEvent ToEvent() => WebhookParser.Parse(Payload.GetRawText());
}

/// <summary>A downloaded file.</summary>
/// <param name="Content">The bytes.</param>
/// <param name="ContentType">Media type, when the server said.</param>
/// <param name="FileName">File name, when the server said.</param>
public sealed record TechLinkFile(byte[] Content, string? ContentType, string? FileName);

/// <summary>A new API key, shown once: <c>{"api_key_id", "key"}</c>.</summary>
/// <param name="ApiKeyId">Id of the key (to revoke it).</param>
/// <param name="Key">The secret key; store it now, it is not shown again.</param>
public sealed record CreatedApiKey(string ApiKeyId, string Key);

/// <summary>An API key of a company, without its secret.</summary>
/// <param name="ApiKeyId">Id.</param>
/// <param name="Name">Name given at creation.</param>
/// <param name="CreatedAt">Creation instant.</param>
/// <param name="LastUsedAt">Last use, when known.</param>
/// <param name="RevokedAt">Revocation instant, when revoked.</param>
public sealed record ApiKey(string ApiKeyId, string? Name, DateTimeOffset? CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

internal sealed record NameBody(string Name);

internal sealed record ContentBody(string Content);

/// <summary>A replay request: <c>{since, until?, only_failed?}</c>.</summary>
/// <param name="Since">ISO 8601 instant: deliveries (or events) created from then on.</param>
/// <param name="Until">ISO 8601 instant, exclusive; null: up to now.</param>
/// <param name="OnlyFailed">True (the default): the registration's failed deliveries; false: every matching event of the company.</param>
public sealed record WebhookReplayRequest(string Since, string? Until = null, bool? OnlyFailed = null);

/// <summary>A replay just queued: <c>{replay_id, queued}</c>.</summary>
/// <param name="ReplayId">Id to follow its progress with.</param>
/// <param name="Queued">Deliveries it queued.</param>
public sealed record WebhookReplayStarted(string ReplayId, int Queued);

/// <summary>A replay's progress: <c>{replay_id, webhook_id, queued, pending, succeeded, failed}</c>.</summary>
/// <param name="ReplayId">Id.</param>
/// <param name="WebhookId">The registration replayed to.</param>
/// <param name="Queued">Deliveries queued.</param>
/// <param name="Pending">Not sent yet (or being retried).</param>
/// <param name="Succeeded">Delivered.</param>
/// <param name="Failed">Failed all their attempts again.</param>
public sealed record WebhookReplayProgress(string ReplayId, string WebhookId, int Queued, int Pending, int Succeeded, int Failed);
