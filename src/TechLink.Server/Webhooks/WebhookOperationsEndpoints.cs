using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

public sealed record ReplayRequest(string? Since, string? Until, bool? OnlyFailed);

public sealed record ReplayStarted(string ReplayId, int Queued);

public sealed record ReplayProgress(string ReplayId, string WebhookId, int Queued, int Pending, int Succeeded, int Failed);

/// <summary>
/// What a client does when its endpoint fails (issue 14): pause and resume a registration, replay its failed deliveries
/// (or every event of a range) and follow the replay's progress.
/// </summary>
public static class WebhookOperationsEndpoints
{
    public static RouteGroupBuilder MapWebhookOperations(this RouteGroupBuilder webhooks)
    {
        webhooks.MapPost("/{webhook_id}/pause", PauseAsync).Produces<WebhookResponse>();
        webhooks.MapPost("/{webhook_id}/resume", ResumeAsync).Produces<WebhookResponse>();
        webhooks.MapPost("/{webhook_id}/replay", ReplayAsync).Produces<ReplayStarted>(StatusCodes.Status202Accepted).RequiresFields("since");
        webhooks.MapGet("/replays/{replay_id}", GetReplayAsync).Produces<ReplayProgress>();
        return webhooks;
    }

    /// <summary>Deliveries stay pending, unattempted, until <see cref="ResumeAsync"/>; the dispatcher parks them (<see cref="Parking"/>).</summary>
    internal static Task<IResult> PauseAsync(string webhook_id, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, EndpointChanges changes, TimeProvider clock, CancellationToken ct) =>
        SetPausedAsync(webhook_id, paused: true, http, db, secrets, changes, clock, ct);

    /// <summary>Unparks the registration's deliveries, due again in creation order, and wakes the dispatchers.</summary>
    internal static Task<IResult> ResumeAsync(string webhook_id, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, EndpointChanges changes, TimeProvider clock, CancellationToken ct) =>
        SetPausedAsync(webhook_id, paused: false, http, db, secrets, changes, clock, ct);

    private static async Task<IResult> SetPausedAsync(string webhookId, bool paused, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets,
        EndpointChanges changes, TimeProvider clock, CancellationToken ct)
    {
        var r = await WebhookEndpoints.FindAsync(webhookId, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        if (r.Paused != paused)
        {
            r.Paused = paused;
            r.UpdatedAt = Formats.Now(clock);
            WebhookAudit.PausedOrResumed(db, http.User, r);
            // Committed (and forgotten by every node's directory) before the rows are unparked or the answer goes out.
            await db.SaveChangesAsync(ct);
        }

        // Also when it was not paused: unparking is idempotent and frees anything a lost race may have left parked.
        if (!paused) await UnparkIfActiveAsync(db, r, changes, ct);
        return TypedResults.Ok(await WebhookEndpoints.AnswerAsync(r, http, db, secrets, ct));
    }

    /// <summary>An enabled, unpaused registration's parked rows (after a resume, an enable, or a replay queued while inactive) are due again.</summary>
    internal static async Task UnparkIfActiveAsync(TechLinkDbContext db, WebhookRegistration r, EndpointChanges changes, CancellationToken ct)
    {
        if (r.Enabled && !r.Paused) await changes.UnparkAsync(db, [r.Id], ct);
    }

    internal static async Task<IResult> ReplayAsync(string webhook_id, ReplayRequest? request, HttpContext http, TechLinkDbContext db, EndpointChanges changes,
        TimeProvider clock, CancellationToken ct)
    {
        var r = await WebhookEndpoints.FindAsync(webhook_id, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        var v = new Validator();
        var since = Instant(v, "since", request?.Since, required: true);
        var until = Instant(v, "until", request?.Until, required: false);
        if (since is { } s && until is { } u && u <= s) v.Add("until", "'until' must be later than 'since'.");
        if (v.Failed) return v.Problem();

        var onlyFailed = request?.OnlyFailed ?? true;
        var now = Formats.Now(clock);
        var replay = new WebhookReplay
        {
            CompanyId = r.CompanyId, WebhookId = r.Id, Since = since!.Value, Until = until, OnlyFailed = onlyFailed, CreatedAt = now,
        };
        var result = await db.InTransactionAsync<IResult>(async () =>
        {
            db.WebhookReplays.Add(replay);
            await db.SaveChangesAsync(ct);
            // Open-ended: up to this moment; what commits later gets its own deliveries.
            var scope = new ReplayScope(r.Id, r.CompanyId, replay.Id, replay.Since, until ?? clock.GetUtcNow().UtcDateTime, now, Parked: !r.Enabled || r.Paused);
            replay.Queued = onlyFailed
                ? await DeliveryReplays.QueueFailedAsync(db, scope, ct)
                : await DeliveryReplays.QueueEventsAsync(db, scope, r.EventTypeList.Contains(EventCatalog.Wildcard) ? null : r.EventTypeList,
                    $"msg_{Guid.CreateVersion7():N}"[..24] + "e", ct);
            WebhookAudit.Replayed(db, http.User, replay);
            await db.SaveChangesAsync(ct);
            return TypedResults.Accepted($"/api/v1/webhooks/replays/{replay.Id}", new ReplayStarted(Formats.Id(replay.Id), replay.Queued));
        }, ct);

        if (replay.Queued > 0)
        {
            // The rows were queued parked if the registration was inactive; it may have become active meanwhile.
            // Unparking wakes the dispatchers itself; rows queued due need the wake here. Parked rows of an inactive one wait.
            await db.Entry(r).ReloadAsync(ct);
            if (r.Enabled && !r.Paused && await changes.UnparkAsync(db, [r.Id], ct) == 0) await changes.WakeAsync(db, [r.Id], ct);
        }

        return result;
    }

    internal static async Task<IResult> GetReplayAsync(string replay_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(replay_id, out var id)) return Problems.NotFound("replay");
        var replay = await db.WebhookReplays.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (replay is null || !Caller.From(http.User).CanSee(replay.CompanyId)) return Problems.NotFound("replay");
        var counts = await db.Deliveries.AsNoTracking().Where(d => d.ReplayId == id)
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Count(DeliveryStatus status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
        return TypedResults.Ok(new ReplayProgress(Formats.Id(replay.Id), Formats.Id(replay.WebhookId), replay.Queued,
            Count(DeliveryStatus.Pending), Count(DeliveryStatus.Succeeded), Count(DeliveryStatus.Failed)));
    }

    private static DateTime? Instant(Validator v, string field, string? text, bool required)
    {
        if (text is null)
        {
            if (required) v.Add(field, $"'{field}' is required: an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
            return null;
        }

        if (!Formats.TryParseInstant(text, out var instant) || !LooksIso(text))
        {
            v.Add(field, $"'{field}' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
            return null;
        }

        return instant;
    }

    /// <summary>DateTimeOffset.TryParse also takes "12/01/2026" or "Tuesday": only ISO 8601's yyyy-MM-dd form is an instant here.</summary>
    private static bool LooksIso(string text) =>
        text.Length >= 10 && DateTime.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
