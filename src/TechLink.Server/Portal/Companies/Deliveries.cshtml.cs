using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>The delivery log: filters, every attempt, and the chart of the last 24 hours.</summary>
public sealed class DeliveriesModel(TechLinkDbContext db, TimeProvider clock) : CompanyPage(db)
{
    public override string Tab => "deliveries";

    public const int PageSize = 50;

    public IReadOnlyList<DeliveryResponse> Items { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public Dictionary<string, string> RegistrationUrls { get; private set; } = [];
    public IReadOnlyList<HourBucket> Hours { get; private set; } = [];

    public string? Webhook { get; private set; }
    public string? Event { get; private set; }
    public string? Status { get; private set; }
    public string? WorkOrder { get; private set; }
    public string? Cursor { get; private set; }

    public async Task OnGetAsync(string? webhook, string? @event, string? status, string? workorder, string? cursor, CancellationToken ct)
    {
        (Webhook, Event, Status, WorkOrder, Cursor) = (Blank(webhook), Blank(@event), Blank(status), Blank(workorder), Blank(cursor));
        var outcome = await CallAsync(WebhookEndpoints.ListDeliveriesAsync(Webhook, Status, Event, WorkOrder, CompanyKey, PageSize, Cursor, HttpContext, Db, ct));
        if (outcome.Succeeded)
        {
            var page = outcome.As<Page<DeliveryResponse>>();
            (Items, NextCursor) = (page.Items, page.NextCursor);
        }

        var companyId = Company.Id;
        RegistrationUrls = await Db.WebhookRegistrations.AsNoTracking().Where(r => r.CompanyId == companyId)
            .ToDictionaryAsync(r => Formats.Id(r.Id), r => $"{r.Type} → {r.Url}", ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        var attempts = await Db.DeliveryAttempts.AsNoTracking()
            .Where(a => a.StartedAt >= since && Db.Deliveries.Any(d => d.Id == a.DeliveryId && d.TenantId == companyId))
            .Select(a => new { a.StartedAt, a.Error, a.DurationMs })
            .ToListAsync(ct);
        Hours = DeliveryChart.Buckets(attempts.Select(a => (a.StartedAt, a.Error == null, a.DurationMs)), now);
    }

    public static string StatusClass(string status) => status switch { "succeeded" => "ok", "failed" => "bad", _ => "wait" };
}
