using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>One delivery: its attempts, the payload and headers as sent, and Redeliver.</summary>
public sealed class DeliveryModel(TechLinkDbContext db, TimeProvider clock) : CompanyPage(db)
{
    public override string Tab => "deliveries";

    public DeliveryResponse Delivery { get; private set; } = null!;

    public static string Pretty(JsonElement? json) => json is { } j ? JsonSerializer.Serialize(j, new JsonSerializerOptions { WriteIndented = true }) : "";

    public async Task<IActionResult> OnGetAsync(string deliveryId, CancellationToken ct) =>
        await LoadAsync(deliveryId, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRedeliverAsync(string deliveryId, CancellationToken ct)
    {
        if (!await OwnsAsync(deliveryId, ct)) return NotFound();
        var outcome = await CallAsync(WebhookEndpoints.RedeliverAsync(deliveryId, HttpContext, Db, clock, ct));
        if (outcome.Succeeded)
        {
            var again = outcome.As<DeliveryResponse>();
            return Done($"Redelivery #{again.DeliveryId} queued: it is sent within seconds.", new { companyId = CompanyKey, deliveryId = again.DeliveryId });
        }

        return await LoadAsync(deliveryId, ct) ? Page() : NotFound();
    }

    private Task<bool> OwnsAsync(string deliveryId, CancellationToken ct) =>
        Formats.TryParseId(deliveryId, out var id) ? Db.Deliveries.AnyAsync(d => d.Id == id && d.TenantId == Company.Id, ct) : Task.FromResult(false);

    private async Task<bool> LoadAsync(string deliveryId, CancellationToken ct)
    {
        if (!await OwnsAsync(deliveryId, ct)) return false;
        var outcome = ApiOutcome.From(await WebhookEndpoints.GetDeliveryAsync(deliveryId, HttpContext, Db, ct));
        if (!outcome.Succeeded) return false;
        Delivery = outcome.As<DeliveryResponse>();
        return true;
    }
}
