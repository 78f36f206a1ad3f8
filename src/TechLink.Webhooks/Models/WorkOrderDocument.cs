using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A completed close-out document or a client document of a work order.</summary>
/// <param name="DocumentId">Id.</param>
/// <param name="WorkOrderId">Work order id.</param>
/// <param name="FileName">Original file name.</param>
/// <param name="ContentType">Media type, e.g. <c>application/pdf</c>.</param>
/// <param name="SizeBytes">Size in bytes.</param>
/// <param name="Url">Time-limited download address: fetch and store it promptly.</param>
/// <param name="UrlExpiresAt">When <paramref name="Url"/> stops working.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
public sealed record WorkOrderDocument(
    string DocumentId,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    string? FileName,
    string? ContentType,
    long SizeBytes,
    string? Url,
    DateTimeOffset? UrlExpiresAt,
    DateTimeOffset? CreatedAt);
