using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A work order note (API "Get Work Order Notes").</summary>
/// <param name="NoteId">Id.</param>
/// <param name="WorkOrderId">Work order id.</param>
/// <param name="Content">Content; may hold HTML or rich text, so escape or sanitise before display.</param>
/// <param name="Author">Who wrote it.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
public sealed record WorkOrderNote(
    string NoteId,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    string? Content,
    string? Author,
    DateTimeOffset? CreatedAt);
