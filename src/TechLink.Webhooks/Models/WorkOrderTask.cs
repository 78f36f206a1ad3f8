using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A work order task (API "Get Work Order Tasks").</summary>
/// <param name="TaskId">Id.</param>
/// <param name="WorkOrderId">Work order id.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Due">Due instant (UTC) or null.</param>
/// <param name="Status"><c>open</c> or <c>completed</c>.</param>
/// <param name="CompletedAt">When it was completed (UTC) or null.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
/// <param name="UpdatedAt">Last change instant (UTC).</param>
public sealed record WorkOrderTask(
    string TaskId,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    string? Title,
    string? Description,
    DateTimeOffset? Due,
    string? Status,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt);
