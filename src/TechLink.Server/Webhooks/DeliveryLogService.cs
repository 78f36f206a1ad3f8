using Microsoft.EntityFrameworkCore;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Webhooks;

/// <summary>The delivery log's filters, as <c>GET /webhooks/deliveries</c> names them (all optional).</summary>
public sealed record DeliveryQuery(
    string? WebhookId = null, string? Status = null, string? Event = null, string? WorkorderId = null, string? CompanyId = null,
    string? Since = null, string? Until = null, string? StatusCode = null, string? WebhookMessageId = null, string? Test = null);

/// <summary>
/// The delivery log (newest first) and what is done to one delivery: read it, redeliver it (the original payload or the
/// subject's current snapshot), retry it now. Another company's delivery is missing, as in every read.
/// </summary>
public sealed class DeliveryLogService(TechLinkDbContext db, EventOutbox outbox, FileStore files, FileUrlFinisher finisher, EndpointChanges changes, TimeProvider clock)
{
    public async Task<Outcome<Page<DeliveryResponse>>> ListAsync(Caller caller, DeliveryQuery filter, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var v = new Validator();
        // Newest first: the log is read to see what just happened. The cursor walks backwards.
        var query = db.Deliveries.AsNoTracking().Include(d => d.Message).Include(d => d.Attempts).AsSplitQuery();
        if (page.After > 0) query = query.Where(d => d.Id < page.After);
        if (caller.IsStaff && filter.CompanyId is not null)
        {
            var c = v.Id("company_id", filter.CompanyId);
            query = query.Where(d => d.TenantId == c);
        }

        if (filter.WebhookId is not null)
        {
            var w = v.Id("webhook_id", filter.WebhookId);
            query = query.Where(d => d.EndpointId == w);
        }

        if (filter.Status is { } status)
        {
            DeliveryStatus? s = status switch { "pending" or "retrying" => DeliveryStatus.Pending, "succeeded" => DeliveryStatus.Succeeded, "failed" => DeliveryStatus.Failed, _ => null };
            if (s is null) v.Add("status", "'status' must be pending, retrying (pending after a failed attempt), succeeded or failed.");
            else query = query.Where(d => d.Status == s);
            if (status == "retrying") query = query.Where(d => d.AttemptCount > 0);
        }

        query = await DeliveryLogFilters.ApplyAsync(query, db, v, filter.Since, filter.Until, filter.StatusCode, filter.WebhookMessageId, filter.Test, ct);
        if (filter.Event is { } type) query = query.Where(d => d.Message!.EventType == type);
        if (filter.WorkorderId is { } workOrder)
        {
            v.Id("workorder_id", workOrder);
            query = query.Where(d => d.Message!.Subject == workOrder);
        }

        if (v.Failed) return v.Refusal();
        var rows = await query.OrderByDescending(d => d.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, d => d.Id, d => DeliveryResponse.From(d, d.Message!, withPayload: false));
    }

    /// <summary>The delivery with its event and attempts, tracked; null when missing or another company's (the tenancy filter).</summary>
    private async Task<DeliveryRecord?> FindAsync(string deliveryId, CancellationToken ct)
    {
        if (!Formats.TryParseId(deliveryId, out var id)) return null;
        var d = await db.Deliveries.Include(x => x.Message).Include(x => x.Attempts).AsSplitQuery().FirstOrDefaultAsync(x => x.Id == id, ct);
        return d;
    }

    private static Refusal Missing => Refusal.NotFound("delivery");

    /// <summary>One delivery with its payload and the last attempt's request headers.</summary>
    public async Task<Outcome<DeliveryResponse>> GetAsync(Caller caller, string deliveryId, CancellationToken ct)
    {
        var d = await FindAsync(deliveryId, ct);
        if (d is null) return Missing;
        // Links in the payload are signed now, as the next attempt would sign them (the row itself is not changed).
        var shown = new OutboxMessage { Id = d.Message!.Id, TenantId = d.Message.TenantId, EventType = d.Message.EventType, Subject = d.Message.Subject, Payload = finisher.Finish(d.Message.Payload), CreatedAt = d.Message.CreatedAt };
        return DeliveryResponse.From(d, shown, withPayload: true);
    }

    /// <summary><c>POST /webhooks/deliveries/{delivery_id}/redeliver</c> with its optional <c>{snapshot}</c>.</summary>
    public async Task<Outcome<DeliveryResponse>> RedeliverAsync(Caller caller, string deliveryId, RedeliverRequest? request, CancellationToken ct)
    {
        if (request?.Snapshot is not (null or RedeliverRequest.Original or RedeliverRequest.Current))
        {
            return Refusal.Validation("snapshot", $"'snapshot' must be '{RedeliverRequest.Original}' or '{RedeliverRequest.Current}'.");
        }

        var d = await FindAsync(deliveryId, ct);
        if (d is null) return Missing;
        return request?.Snapshot == RedeliverRequest.Current
            ? await SnapshotRedelivery.RedeliverCurrentAsync(d, db, outbox, files, ct)
            : await RedeliverOriginalAsync(d, ct);
    }

    /// <summary>
    /// "Retry now" (the portal's delivery page): a pending delivery is made due now (<see cref="DeliveryRetry"/>), a
    /// finished one is redelivered (a new series with the same payload and <c>webhook-id</c>).
    /// </summary>
    public async Task<Outcome<RetryNowResult>> RetryNowAsync(Caller caller, string deliveryId, CancellationToken ct)
    {
        if (!Formats.TryParseId(deliveryId, out var id)) return Missing;
        var d = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (d is null) return Missing;
        if (d.Status == DeliveryStatus.Pending)
        {
            var due = await DeliveryRetry.DueNowAsync(d, db, changes, clock, ct);
            return due.Succeeded ? new RetryNowResult(due.Value, null) : due.Refusal!;
        }

        var again = await RedeliverAsync(caller, deliveryId, request: null, ct);
        return again.Succeeded ? new RetryNowResult(null, again.Value) : again.Refusal!;
    }

    /// <summary>Why <paramref name="d"/> cannot be redelivered (still pending, or its registration is gone); null when it can.</summary>
    internal static async Task<Refusal?> CannotRedeliverAsync(DeliveryRecord d, TechLinkDbContext db, CancellationToken ct)
    {
        if (d.Status == DeliveryStatus.Pending) return Refusal.Conflict("This delivery is still pending; it can be redelivered once it has succeeded or failed.");
        if (!await db.WebhookRegistrations.AnyAsync(r => r.Id == d.EndpointId, ct)) return Refusal.Conflict("The registration of this delivery was deleted.");
        return null;
    }

    private async Task<Outcome<DeliveryResponse>> RedeliverOriginalAsync(DeliveryRecord d, CancellationToken ct)
    {
        if (await CannotRedeliverAsync(d, db, ct) is { } refused) return refused;
        var again = DeliveryCommands.Redeliver(db, d, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        again.Message = d.Message;
        return DeliveryResponse.From(again, d.Message!, withPayload: false);
    }
}
