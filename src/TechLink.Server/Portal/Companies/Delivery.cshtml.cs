using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>
/// One delivery: every attempt with its request headers and body as sent and the response's status, headers and body
/// excerpt (unescaped, so a copied signature matches), Retry now (pending or failed) and Redeliver.
/// </summary>
public sealed class DeliveryModel(TechLinkDbContext db, DeliveryLogService deliveries, TimeProvider clock) : CompanyPage(db)
{
    public override string Tab => "deliveries";

    public DeliveryResponse Delivery { get; private set; } = null!;

    /// <summary>The attempts as stored, oldest first (the API's answer leaves the headers of each one out).</summary>
    public IReadOnlyList<DeliveryAttempt> Attempts { get; private set; } = [];

    public string? RegistrationUrl { get; private set; }

    public DateTime Now { get; private set; }

    public static string Pretty(System.Text.Json.JsonElement? json) => DeliveriesFormat.Pretty(json);

    public async Task<IActionResult> OnGetAsync(string deliveryId, CancellationToken ct) =>
        await LoadAsync(deliveryId, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRedeliverAsync(string deliveryId, CancellationToken ct)
    {
        if (!await OwnsAsync(deliveryId, ct)) return NotFound();
        var outcome = await deliveries.RedeliverAsync(Caller, deliveryId, request: null, ct);
        if (Accepted(outcome))
        {
            var again = outcome.Value;
            return Done($"Redelivery #{again.DeliveryId} queued: it is sent within seconds.", new { companyId = CompanyKey, deliveryId = again.DeliveryId });
        }

        return await LoadAsync(deliveryId, ct) ? Page() : NotFound();
    }

    /// <summary>Pending: its next attempt now (the same delivery). Failed: a new series of attempts (a redelivery).</summary>
    public async Task<IActionResult> OnPostRetryAsync(string deliveryId, CancellationToken ct)
    {
        if (!await OwnsAsync(deliveryId, ct)) return NotFound();
        var outcome = await deliveries.RetryNowAsync(Caller, deliveryId, ct);
        if (Accepted(outcome) && outcome.Value.Redelivery is { } again)
        {
            return Done($"Retry queued as delivery #{again.DeliveryId}: a new series of attempts, sent within seconds.", new { companyId = CompanyKey, deliveryId = again.DeliveryId });
        }

        if (outcome.Succeeded) return Done("Retrying now: the next attempt starts within seconds.", new { companyId = CompanyKey, deliveryId });
        return await LoadAsync(deliveryId, ct) ? Page() : NotFound();
    }

    private Task<bool> OwnsAsync(string deliveryId, CancellationToken ct) =>
        Formats.TryParseId(deliveryId, out var id) ? Db.Deliveries.AnyAsync(d => d.Id == id && d.TenantId == Company.Id, ct) : Task.FromResult(false);

    private async Task<bool> LoadAsync(string deliveryId, CancellationToken ct)
    {
        if (!await OwnsAsync(deliveryId, ct)) return false;
        var outcome = await deliveries.GetAsync(Caller, deliveryId, ct);
        if (!outcome.Succeeded) return false;
        Delivery = outcome.Value;
        var id = long.Parse(Delivery.DeliveryId, System.Globalization.CultureInfo.InvariantCulture);
        Attempts = await Db.DeliveryAttempts.AsNoTracking().Where(a => a.DeliveryId == id).OrderBy(a => a.Attempt).ToListAsync(ct);
        var endpoint = long.Parse(Delivery.WebhookId, System.Globalization.CultureInfo.InvariantCulture);
        RegistrationUrl = await Db.WebhookRegistrations.AsNoTracking().Where(r => r.Id == endpoint).Select(r => r.Url).FirstOrDefaultAsync(ct);
        Now = clock.GetUtcNow().UtcDateTime;
        return true;
    }
}
