using System.Text.Json;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Audit;

/// <summary>One audit entry as the API answers it; <c>changes</c> is an object of <c>{"from", "to"}</c> per field, or null.</summary>
public sealed record AuditEntryResponse(string AuditId, string At, string? CompanyId, string Actor, string Action, string TargetType, string TargetId, JsonElement? Changes)
{
    public static AuditEntryResponse From(AuditEntry a) => new(
        Formats.Id(a.Id), Formats.Instant(a.At), Formats.Id(a.CompanyId), a.Actor, a.Action, a.TargetType, a.TargetId,
        a.Changes is null ? null : JsonDocument.Parse(a.Changes).RootElement.Clone());
}
