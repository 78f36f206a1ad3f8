using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Companies;

/// <summary>One event and every endpoint it went to (redeliveries and test sends included), with each attempt.</summary>
public sealed class DeliveryEventModel(TechLinkDbContext db, TechLink.Server.WorkOrders.FileUrlFinisher files, TimeProvider clock) : CompanyPage(db)
{
    public override string Tab => "deliveries";

    public OutboxMessage Event { get; private set; } = null!;

    public IReadOnlyList<DeliveryRecord> Deliveries { get; private set; } = [];

    public Dictionary<long, string> Urls { get; private set; } = [];

    public DateTime Now { get; private set; }

    /// <summary>The payload with its file links signed now, as the feed and the log show it.</summary>
    public string Payload { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string eventId, CancellationToken ct)
    {
        var companyId = Company.Id;
        if (!Formats.TryParseId(eventId, out var id)) return NotFound();
        var message = await Db.Events.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.TenantId == companyId, ct);
        if (message is null) return NotFound();
        Event = message;
        Payload = files.Finish(message.Payload);
        Deliveries = await Db.Deliveries.AsNoTracking().Include(d => d.Attempts)
            .Where(d => d.EventId == id && d.TenantId == companyId)
            .OrderBy(d => d.EndpointId).ThenBy(d => d.Id)
            .ToListAsync(ct);
        var endpoints = Deliveries.Select(d => d.EndpointId).Distinct().ToList();
        Urls = await Db.WebhookRegistrations.AsNoTracking().Where(r => endpoints.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.Url, ct);
        Now = clock.GetUtcNow().UtcDateTime;
        return Page();
    }
}
