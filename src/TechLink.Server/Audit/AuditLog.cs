using System.Globalization;
using System.Security.Claims;
using TechLink.Server.Data;

namespace TechLink.Server.Audit;

/// <summary>
/// Who did what and when. <see cref="Add"/> only adds the entry to the DbContext: it is written by the action's own
/// SaveChanges, in the action's transaction, so a change that rolls back leaves no entry and a committed one always has
/// its entry. Services audit, not pages: the portal calls the same services, so each action is recorded once.
/// </summary>
public static class AuditLog
{
    public const string System = "system";

    /// <summary>Adds an entry for an action of <paramref name="caller"/> (a user, an API key, staff) on a target.</summary>
    /// <param name="companyId">The company the target belongs to: the one whose clients see the entry (null: staff only).</param>
    /// <param name="changes">The changed fields, <c>{"field": {"from": .., "to": ..}}</c>; never a secret's value (see <see cref="AuditChanges"/>).</param>
    public static AuditEntry Add(TechLinkDbContext db, ClaimsPrincipal? caller, DateTime at, string action, string targetType, long targetId,
        long? companyId, AuditChanges? changes = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entry = new AuditEntry
        {
            CompanyId = companyId,
            At = DateTime.SpecifyKind(at, DateTimeKind.Utc),
            Actor = ActorOf(caller),
            Action = action,
            TargetType = targetType,
            TargetId = targetId.ToString(CultureInfo.InvariantCulture),
            Changes = changes is { IsEmpty: false } ? changes.ToJson() : null,
        };
        db.AuditEntries.Add(entry);
        return entry;
    }

    /// <summary>
    /// <c>user:12 (jsmith)</c> for a portal user, <c>api_key:4 (integration)</c> for an API key, <c>system</c> for work
    /// nobody asked for (the engine, start-up).
    /// </summary>
    public static string ActorOf(ClaimsPrincipal? caller)
    {
        var id = caller?.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (caller?.Identity is not { IsAuthenticated: true } || string.IsNullOrEmpty(id)) return System;
        var name = caller.Identity.Name ?? "";
        var actor = id.StartsWith(ApiKeyPrefix, StringComparison.Ordinal)
            ? $"api_key:{id[ApiKeyPrefix.Length..]} ({(name.StartsWith(ApiKeyNamePrefix, StringComparison.Ordinal) ? name[ApiKeyNamePrefix.Length..] : name)})"
            : $"user:{id} ({name})";
        return actor.Length <= MaxActorLength ? actor : actor[..MaxActorLength];
    }

    private const string ApiKeyPrefix = "apikey:";
    private const string ApiKeyNamePrefix = "api key ";
    private const int MaxActorLength = 200;
}
