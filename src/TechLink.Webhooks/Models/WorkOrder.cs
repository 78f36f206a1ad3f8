using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A work order (API "Get Work Order Details"; the <c>data</c> of <see cref="WorkOrderCreated"/> and <see cref="WorkOrderUpdated"/>).</summary>
/// <param name="WorkOrderId">Id, a string of digits (<c>workorder_id</c>).</param>
/// <param name="CompanyId">Owning company id.</param>
/// <param name="SiteId">Job site id.</param>
/// <param name="ClientReference">The client's own reference.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Priority"><c>low</c>, <c>normal</c>, <c>high</c> or <c>urgent</c>.</param>
/// <param name="StatusCode">Status code as a string, e.g. <c>"60"</c>; see <see cref="WorkOrderStatus"/>.</param>
/// <param name="Status">Status name, e.g. <c>"Scheduled"</c>.</param>
/// <param name="ScheduledStart">Site-local install time <c>"YYYY-MM-DD HH:MM:SS"</c>, or null.</param>
/// <param name="PlannedTechName">Planned technician name (blank when unassigned).</param>
/// <param name="PlannedTechPhone">Planned technician phone.</param>
/// <param name="TechName">Technician who checked in.</param>
/// <param name="TechPhone">Phone of the technician who checked in.</param>
/// <param name="CheckInTime">Site-local check-in time with zone abbreviation, e.g. <c>"2019-01-23 01:23:45 PDT"</c>, or null.</param>
/// <param name="CheckOutTime">Site-local check-out time with zone abbreviation, or null.</param>
/// <param name="CheckOutDisposition"><c>complete</c>, <c>return</c> or null.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
/// <param name="UpdatedAt">Last change instant (UTC).</param>
public sealed record WorkOrder(
    [property: JsonPropertyName("workorder_id")] string WorkOrderId,
    string? CompanyId,
    string? SiteId,
    string? ClientReference,
    string? Title,
    string? Description,
    string? Priority,
    string? StatusCode,
    string? Status,
    string? ScheduledStart,
    string? PlannedTechName,
    string? PlannedTechPhone,
    string? TechName,
    string? TechPhone,
    string? CheckInTime,
    string? CheckOutTime,
    string? CheckOutDisposition,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt)
{
    /// <summary><see cref="StatusCode"/> as the specification's enumeration; null for a code it does not know.</summary>
    [JsonIgnore]
    public WorkOrderStatus? StatusValue => WorkOrderStatuses.FromCode(StatusCode);
}
