using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A work order photo (API "Get Work Order Photos").</summary>
/// <param name="PhotoId">Id.</param>
/// <param name="WorkOrderId">Work order id.</param>
/// <param name="FileName">Original file name.</param>
/// <param name="ContentType">Media type, e.g. <c>image/jpeg</c>.</param>
/// <param name="SizeBytes">Size in bytes.</param>
/// <param name="Caption">Caption.</param>
/// <param name="Url">Time-limited download address: fetch and store it promptly.</param>
/// <param name="UrlExpiresAt">When <paramref name="Url"/> stops working.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
public sealed record WorkOrderPhoto(
    string PhotoId,
    [property: JsonPropertyName("workorder_id")] string? WorkOrderId,
    string? FileName,
    string? ContentType,
    long SizeBytes,
    string? Caption,
    string? Url,
    DateTimeOffset? UrlExpiresAt,
    DateTimeOffset? CreatedAt);
