using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A close-out question (API "Get Work Order Close-Out Questions").</summary>
/// <param name="QuestionId">Id.</param>
/// <param name="WorkOrderId">Work order id.</param>
/// <param name="Question">The question.</param>
/// <param name="Answer">The answer; null until answered.</param>
/// <param name="AnsweredBy">Who answered.</param>
/// <param name="AnsweredAt">When it was answered (UTC).</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
public sealed record WorkOrderQuestion(
    string QuestionId,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    string? Question,
    string? Answer,
    string? AnsweredBy,
    DateTimeOffset? AnsweredAt,
    DateTimeOffset? CreatedAt);
