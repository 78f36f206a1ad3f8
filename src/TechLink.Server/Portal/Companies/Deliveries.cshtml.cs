using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>The filters of the delivery log, as the page's query string spells them.</summary>
public sealed record DeliveryFilter(
    string? Webhook, string? Event, string? Status, string? Code, string? WorkOrder, string? Since, string? Until, string? Message, bool Tests)
{
    /// <summary>The query string of these filters (without a cursor), for links, the CSV export and the pager.</summary>
    public string Query(string? cursor = null)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }

        Add("webhook", Webhook);
        Add("event", Event);
        Add("status", Status);
        Add("code", Code);
        Add("workorder", WorkOrder);
        Add("since", Since);
        Add("until", Until);
        Add("message", Message);
        if (Tests) parts.Add("tests=true");
        Add("cursor", cursor);
        return string.Join('&', parts);
    }

    /// <summary>A <c>datetime-local</c> value (read as UTC, as the page says) as the API's ISO 8601 instant.</summary>
    public static string? Instant(string? local) =>
        local is null ? null
        : DateTime.TryParseExact(local, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : local;
}

/// <summary>Rows of the delivery log: the whole table and the live view's fragment render the same partial.</summary>
public sealed record DeliveryRowsView(long CompanyId, IReadOnlyList<DeliveryResponse> Items, IReadOnlyDictionary<string, string> Urls, DateTime Now);

/// <summary>
/// The delivery log as a search tool (issue 15): filters for time range, status (with "retrying"), status code, event,
/// work order and <c>webhook-id</c>; test sends when asked; CSV of the filtered list; a live view of pending rows.
/// </summary>
public sealed class DeliveriesModel(TechLinkDbContext db, DeliveryLogService deliveries, TimeProvider clock) : CompanyPage(db)
{
    public override string Tab => "deliveries";

    public const int PageSize = 50;

    /// <summary>The most rows one CSV export holds (newest first).</summary>
    public const int CsvMaxRows = 10_000;

    public static readonly string[] Statuses = ["pending", "retrying", "succeeded", "failed"];

    public IReadOnlyList<DeliveryResponse> Items { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public Dictionary<string, string> RegistrationUrls { get; private set; } = [];
    public IReadOnlyList<HourBucket> Hours { get; private set; } = [];
    public DeliveryFilter Filter { get; private set; } = new(null, null, null, null, null, null, null, null, false);
    public string? Cursor { get; private set; }
    public DateTime Now { get; private set; }

    public DeliveryRowsView Rows => new(Company.Id, Items, RegistrationUrls, Now);

    public async Task OnGetAsync(string? webhook, string? @event, string? status, string? code, string? workorder, string? since, string? until,
        string? message, bool tests, string? cursor, CancellationToken ct)
    {
        Filter = new(Blank(webhook), Blank(@event), Blank(status), Blank(code), Blank(workorder), Blank(since), Blank(until), Blank(message), tests);
        Cursor = Blank(cursor);
        Now = clock.GetUtcNow().UtcDateTime;
        var outcome = await ListAsync(Filter, PageSize, Cursor, ct);
        if (Accepted(outcome))
        {
            var page = outcome.Value;
            (Items, NextCursor) = (page.Items, page.NextCursor);
        }

        RegistrationUrls = await UrlsAsync(ct);
        var companyId = Company.Id;
        // From the company's registrations, so the buckets are read by their key (endpoint_id, bucket_start), not all
        // companies' by their start.
        var endpoints = await Db.WebhookRegistrations.AsNoTracking().Where(r => r.CompanyId == companyId).Select(r => r.Id).ToListAsync(ct);
        Hours = await DeliveryChart.HoursAsync(Db, endpoints, Now, ct);
    }

    /// <summary>The filtered list as CSV, newest first, up to <see cref="CsvMaxRows"/> rows; a bad filter answers the page with its message.</summary>
    public async Task<IActionResult> OnGetCsvAsync(string? webhook, string? @event, string? status, string? code, string? workorder, string? since,
        string? until, string? message, bool tests, CancellationToken ct)
    {
        var filter = new DeliveryFilter(Blank(webhook), Blank(@event), Blank(status), Blank(code), Blank(workorder), Blank(since), Blank(until), Blank(message), tests);
        var urls = await UrlsAsync(ct);
        var csv = new StringBuilder();
        DeliveriesCsv.AppendRow(csv, DeliveriesCsv.Header);
        string? cursor = null;
        var rows = 0;
        do
        {
            var outcome = await ListAsync(filter, PageRequest.MaxLimit, cursor, ct);
            if (!Accepted(outcome))
            {
                await OnGetAsync(webhook, @event, status, code, workorder, since, until, message, tests, null, ct);
                return Page();
            }

            var page = outcome.Value;
            foreach (var d in page.Items.Take(CsvMaxRows - rows)) DeliveriesCsv.Append(csv, d, urls.GetValueOrDefault(d.WebhookId));
            rows += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && rows < CsvMaxRows);

        var name = $"deliveries-{CompanyKey}-{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.csv";
        return File(new UTF8Encoding(encoderShouldEmitUTF8Identifier: true).GetPreamble().Concat(Encoding.UTF8.GetBytes(csv.ToString())).ToArray(), "text/csv; charset=utf-8", name);
    }

    /// <summary>The live view's fragment: the rows of these deliveries (of this company only) as they are now.</summary>
    public async Task<IActionResult> OnGetLiveAsync(string? ids, CancellationToken ct)
    {
        var wanted = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Formats.TryParseId(s, out var id) ? id : 0).Where(id => id > 0).Distinct().Take(PageSize).ToList();
        var companyId = Company.Id;
        var rows = await Db.Deliveries.AsNoTracking().Include(d => d.Message).Include(d => d.Attempts).AsSplitQuery()
            .Where(d => d.TenantId == companyId && wanted.Contains(d.Id))
            .ToListAsync(ct);
        Now = clock.GetUtcNow().UtcDateTime;
        Items = [.. rows.OrderByDescending(d => d.Id).Select(d => DeliveryResponse.From(d, d.Message!, withPayload: false))];
        RegistrationUrls = await UrlsAsync(ct);
        return Partial("DeliveryRows", Rows);
    }

    private Task<Outcome<Page<DeliveryResponse>>> ListAsync(DeliveryFilter f, int limit, string? cursor, CancellationToken ct) =>
        deliveries.ListAsync(Caller, new DeliveryQuery(f.Webhook, f.Status, f.Event, f.WorkOrder, CompanyKey, DeliveryFilter.Instant(f.Since), DeliveryFilter.Instant(f.Until),
            f.Code, f.Message, f.Tests ? "all" : null), limit, cursor, ct);

    private Task<Dictionary<string, string>> UrlsAsync(CancellationToken ct)
    {
        var companyId = Company.Id;
        return Db.WebhookRegistrations.AsNoTracking().Where(r => r.CompanyId == companyId)
            .ToDictionaryAsync(r => Formats.Id(r.Id), r => $"{r.Type} → {r.Url}", ct);
    }

    public static string StatusClass(string status) => DeliveriesFormat.StatusClass(status);
}
