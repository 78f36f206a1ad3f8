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
/// Replays of a registration (issue 14): its failed deliveries, or every event of a range, queued again in one
/// transaction with the <c>webhook_replays</c> row (<see cref="DeliveryReplays"/>), and the replay's progress.
/// </summary>
public sealed class ReplayService(TechLinkDbContext db, EndpointChanges changes, TimeProvider clock)
{
    public async Task<Outcome<ReplayStarted>> ReplayAsync(Caller caller, string webhookId, ReplayRequest? request, CancellationToken ct)
    {
        var r = await RegistrationService.FindAsync(webhookId, db, ct);
        if (r is null) return RegistrationService.Missing;
        var v = new Validator();
        var since = Instant(v, "since", request?.Since, required: true);
        var until = Instant(v, "until", request?.Until, required: false);
        if (since is { } s && until is { } u && u <= s) v.Add("until", "'until' must be later than 'since'.");
        if (v.Failed) return v.Refusal();

        var onlyFailed = request?.OnlyFailed ?? true;
        var now = Formats.Now(clock);
        var replay = new WebhookReplay
        {
            CompanyId = r.CompanyId, WebhookId = r.Id, Since = since!.Value, Until = until, OnlyFailed = onlyFailed, CreatedAt = now,
        };
        var outcome = await db.CommitOnSuccessAsync<ReplayStarted>(async () =>
        {
            db.WebhookReplays.Add(replay);
            await db.SaveChangesAsync(ct);
            // Open-ended: up to this moment; what commits later gets its own deliveries.
            var scope = new ReplayScope(r.Id, r.CompanyId, replay.Id, replay.Since, until ?? clock.GetUtcNow().UtcDateTime, now, Parked: !r.Enabled || r.Paused);
            replay.Queued = onlyFailed
                ? await DeliveryReplays.QueueFailedAsync(db, scope, ct)
                : await DeliveryReplays.QueueEventsAsync(db, scope, r.EventTypeList.Contains(EventCatalog.Wildcard) ? null : r.EventTypeList,
                    $"msg_{Guid.CreateVersion7():N}"[..24] + "e", ct);
            WebhookAudit.Replayed(db, caller.Principal, replay);
            await db.SaveChangesAsync(ct);
            return new ReplayStarted(Formats.Id(replay.Id), replay.Queued);
        }, ct);

        if (replay.Queued > 0)
        {
            // The rows were queued parked if the registration was inactive; it may have become active meanwhile.
            // Unparking wakes the dispatchers itself; rows queued due need the wake here. Parked rows of an inactive one wait.
            await db.Entry(r).ReloadAsync(ct);
            if (r.Enabled && !r.Paused && await changes.UnparkAsync(db, [r.Id], ct) == 0) await changes.WakeAsync(db, [r.Id], ct);
        }

        return outcome;
    }

    public async Task<Outcome<ReplayProgress>> ProgressAsync(Caller caller, string replayId, CancellationToken ct)
    {
        if (!Formats.TryParseId(replayId, out var id)) return Refusal.NotFound("replay");
        var replay = await db.WebhookReplays.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (replay is null) return Refusal.NotFound("replay");
        var counts = await db.Deliveries.AsNoTracking().Where(d => d.ReplayId == id)
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Count(DeliveryStatus status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
        return new ReplayProgress(Formats.Id(replay.Id), Formats.Id(replay.WebhookId), replay.Queued,
            Count(DeliveryStatus.Pending), Count(DeliveryStatus.Succeeded), Count(DeliveryStatus.Failed));
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
