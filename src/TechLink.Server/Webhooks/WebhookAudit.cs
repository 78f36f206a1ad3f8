using System.Security.Claims;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>The audit entries of registrations: what changed, with the token recorded as set or not, never by value.</summary>
internal static class WebhookAudit
{
    public const string TargetType = "webhook";

    /// <summary>The fields of a registration the audit compares (a token by its stored form: a new value is a change).</summary>
    public sealed record State(string Type, string Url, IReadOnlyList<string> EventTypes, bool Enabled, string? Description, bool Paused, string? Token);

    public static State Snapshot(WebhookRegistration r) => new(r.Type, r.Url, r.EventTypeList, r.Enabled, r.Description, r.Paused, r.TokenProtected);

    public static void Created(TechLinkDbContext db, ClaimsPrincipal? caller, WebhookRegistration r)
    {
        var changes = AuditChanges.Between(Snapshot(Blank(r)), Snapshot(r));
        AuditLog.Add(db, caller, r.CreatedAt, "webhook.created", TargetType, r.Id, r.CompanyId, changes);
    }

    /// <summary>
    /// An enable or disable is an entry of its own (it is what one looks for when deliveries stopped); the other
    /// changed fields, if any, make a <c>webhook.updated</c> entry.
    /// </summary>
    public static void Updated(TechLinkDbContext db, ClaimsPrincipal? caller, State before, WebhookRegistration r)
    {
        var after = Snapshot(r);
        var changes = AuditChanges.Between(before, after);
        if (before.Enabled != after.Enabled)
        {
            changes.Without("enabled");
            AuditLog.Add(db, caller, r.UpdatedAt, r.Enabled ? "webhook.enabled" : "webhook.disabled", TargetType, r.Id, r.CompanyId);
        }

        if (!changes.IsEmpty) AuditLog.Add(db, caller, r.UpdatedAt, "webhook.updated", TargetType, r.Id, r.CompanyId, changes);
    }

    /// <summary>A pause or a resume (<c>POST /webhooks/{id}/pause|resume</c>).</summary>
    public static void PausedOrResumed(TechLinkDbContext db, ClaimsPrincipal? caller, WebhookRegistration r) =>
        AuditLog.Add(db, caller, r.UpdatedAt, r.Paused ? "webhook.paused" : "webhook.resumed", TargetType, r.Id, r.CompanyId);

    /// <summary>A replay: its range and kind, and how many deliveries it queued.</summary>
    public static void Replayed(TechLinkDbContext db, ClaimsPrincipal? caller, WebhookReplay replay)
    {
        var none = new { replay_id = (string?)null, since = (string?)null, until = (string?)null, only_failed = (bool?)null, queued = (int?)null };
        var started = new
        {
            replay_id = (string?)Formats.Id(replay.Id), since = (string?)Formats.Instant(replay.Since),
            until = replay.Until is { } u ? Formats.Instant(u) : null, only_failed = (bool?)replay.OnlyFailed, queued = (int?)replay.Queued,
        };
        AuditLog.Add(db, caller, replay.CreatedAt, "webhook.replayed", TargetType, replay.WebhookId, replay.CompanyId, AuditChanges.Between(none, started));
    }

    /// <summary>Disabled by the auto-disable rule: the actor is <c>system</c>, the reason in the changes.</summary>
    public static void AutoDisabled(TechLinkDbContext db, long webhookId, long companyId, DateTime at, string reason)
    {
        var before = new { enabled = true, disabled_reason = (string?)null };
        var after = new { enabled = false, disabled_reason = (string?)reason };
        AuditLog.Add(db, null, at, "webhook.disabled", TargetType, webhookId, companyId, AuditChanges.Between(before, after));
    }

    private static WebhookRegistration Blank(WebhookRegistration r) => new()
    {
        CompanyId = r.CompanyId, Type = "", EventTypes = "", Url = "", SecretProtected = "", Enabled = false,
    };
}
