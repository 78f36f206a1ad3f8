using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>The form of a registration: the spec's Type, URL, Token and Enabled.</summary>
public sealed class WebhookForm
{
    public string? Type { get; set; }
    public string? Url { get; set; }
    public string? Token { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Edit only: a blank token keeps the current one; this removes it.</summary>
    public bool RemoveToken { get; set; }
}

/// <summary>How a registration has fared: its last delivery and the share of finished deliveries that succeeded.</summary>
public sealed record WebhookStats(DeliveryStatus? LastStatus, string? LastEvent, DateTime? LastAt, int Succeeded, int Failed)
{
    public string SuccessRate => Succeeded + Failed == 0 ? "—" : $"{100.0 * Succeeded / (Succeeded + Failed):0.#}% ({Succeeded} of {Succeeded + Failed})";
}

/// <summary>
/// The Webhooks tab: the company's registrations, "Add New Webhook Registration", edit, enable/disable, delete,
/// signing secrets, and the Test button. Every change goes through the API's own handlers.
/// </summary>
public sealed class WebhooksModel(
    TechLinkDbContext db, WebhookSecrets secrets, WebhookSender sender, TestSendLimiter limiter, IOptions<DeliveryOptions> delivery,
    IOptions<WebhookOptions> limits, TimeProvider clock, EndpointChanges changes)
    : CompanyPage(db)
{
    public override string Tab => "webhooks";

    [BindProperty]
    public WebhookForm Form { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public bool Add { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Edit { get; set; }

    /// <summary>A replay started from this page, whose progress is shown (<c>?replay=</c>).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Replay { get; set; }

    public ReplayProgress? ReplayShown { get; private set; }

    public IReadOnlyList<WebhookResponse> Registrations { get; private set; } = [];

    public Dictionary<string, WebhookStats> Stats { get; private set; } = [];

    /// <summary>The registration a message (secret, test result, error) belongs to.</summary>
    public string? Focus { get; private set; }

    public SecretResponse? Secret { get; private set; }

    public TestResponse? TestResult { get; private set; }

    public CheckResponse? CheckResult { get; private set; }

    public string? TestEvent { get; private set; }

    public static IReadOnlyList<string> RegistrationTypes =>
        [.. EventCatalog.All.Select(t => t.Type), EventCatalog.AllCurrent, EventCatalog.Any];

    public static string SamplePayload(string type) =>
        EventSamples.For(type) is { } sample
            ? JsonSerializer.Serialize(sample, sample.GetType(), new JsonSerializerOptions(ApiJson.Options) { WriteIndented = true })
            : "";

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        var request = new WebhookRequest(Caller.IsStaff ? CompanyKey : null, Form.Type, Form.Url, Form.Token ?? "", Form.Enabled);
        var outcome = await CallAsync(WebhookEndpoints.CreateAsync(request, HttpContext, Db, secrets, delivery, limits, clock, ct));
        if (outcome.Succeeded)
        {
            var created = outcome.As<WebhookResponse>();
            return Done($"Webhook registration saved: {created.Type} → {created.Url}. Use Reveal signing secret to copy its whsec_ secret.", fragment: $"webhook-{created.WebhookId}");
        }

        Add = true;
        return await PageAsync(ct);
    }

    public async Task<IActionResult> OnPostUpdateAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var token = Form.RemoveToken ? "" : string.IsNullOrEmpty(Form.Token) ? null : Form.Token;
        var request = new WebhookRequest(null, Form.Type, Form.Url, token, Form.Enabled);
        var outcome = await CallAsync(WebhookEndpoints.UpdateAsync(id, request, replace: false, HttpContext, Db, secrets, delivery, clock, ct));
        if (outcome.Succeeded) return Done("Webhook registration saved.", fragment: $"webhook-{id}");
        Edit = id;
        return await PageAsync(ct);
    }

    public async Task<IActionResult> OnPostToggleAsync(string id, bool enabled, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookEndpoints.UpdateAsync(id, new WebhookRequest(null, null, null, null, enabled), replace: false, HttpContext, Db, secrets, delivery, clock, ct));
        return outcome.Succeeded ? Done(enabled ? "Registration enabled." : "Registration disabled: it receives no events until enabled again.", fragment: $"webhook-{id}") : await PageAsync(ct, id);
    }

    /// <summary>
    /// One click after an auto-disable: enables the registration and replays every event it missed, from the oldest
    /// delivery of the failing run that disabled it (those failed; what came after was never queued) up to now.
    /// </summary>
    public async Task<IActionResult> OnPostReEnableAndReplayAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct) || !Formats.TryParseId(id, out var endpointId)) return NotFound();
        var registration = await Db.WebhookRegistrations.AsNoTracking().FirstAsync(r => r.Id == endpointId, ct);
        var failingSince = await Db.EndpointHealth.AsNoTracking().Where(h => h.EndpointId == endpointId).Select(h => h.FailingSince).FirstOrDefaultAsync(ct);
        var since = failingSince ?? registration.DisabledAt ?? registration.UpdatedAt;

        var enabled = await CallAsync(WebhookEndpoints.UpdateAsync(id, new WebhookRequest(null, null, null, null, true), replace: false, HttpContext, Db, secrets, delivery, clock, ct));
        if (!enabled.Succeeded) return await PageAsync(ct, id);
        var replay = await CallAsync(WebhookOperationsEndpoints.ReplayAsync(id, new ReplayRequest(Formats.Instant(since), null, OnlyFailed: false), HttpContext, Db, changes, clock, ct));
        if (!replay.Succeeded) return await PageAsync(ct, id);
        var started = replay.As<ReplayStarted>();
        return Done($"Registration enabled. Replay {started.ReplayId}: {started.Queued} events since {Formats.Instant(since)} queued.",
            new { replay = started.ReplayId }, fragment: $"webhook-{id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookEndpoints.DeleteAsync(id, HttpContext, Db, clock, ct));
        return outcome.Succeeded ? Done("Webhook registration deleted.") : await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostPauseAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookOperationsEndpoints.PauseAsync(id, HttpContext, Db, secrets, changes, clock, ct));
        return outcome.Succeeded ? Done("Registration paused: its deliveries wait, unattempted, until you resume it.", fragment: $"webhook-{id}") : await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostResumeAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookOperationsEndpoints.ResumeAsync(id, HttpContext, Db, secrets, changes, clock, ct));
        return outcome.Succeeded ? Done("Registration resumed: the deliveries that waited are sent now, oldest first.", fragment: $"webhook-{id}") : await PageAsync(ct, id);
    }

    /// <summary>"Replay failed": the times are the browser's local input, read as UTC (the page says so).</summary>
    public async Task<IActionResult> OnPostReplayAsync(string id, string? since, string? until, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookOperationsEndpoints.ReplayAsync(id, new ReplayRequest(Blank(since), Blank(until), OnlyFailed: true), HttpContext, Db, changes, clock, ct));
        if (!outcome.Succeeded) return await PageAsync(ct, id);
        var started = outcome.As<ReplayStarted>();
        return Done($"Replay {started.ReplayId}: {started.Queued} failed deliveries queued again.", new { replay = started.ReplayId }, fragment: $"webhook-{id}");
    }

    public async Task<IActionResult> OnPostRevealAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookEndpoints.GetSecretAsync(id, HttpContext, Db, secrets, clock, ct));
        if (outcome.Succeeded) Secret = outcome.As<SecretResponse>();
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostRotateAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookEndpoints.RotateSecretAsync(id, HttpContext, Db, secrets, clock, ct));
        if (outcome.Succeeded) Secret = outcome.As<SecretResponse>();
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostTestAsync(string id, string? testEvent, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        TestEvent = testEvent;
        var outcome = await CallAsync(WebhookEndpoints.TestAsync(id, new TestRequest(string.IsNullOrEmpty(testEvent) ? null : testEvent), HttpContext, Db, secrets, sender, limiter, clock, ct));
        if (outcome.Succeeded) TestResult = outcome.As<TestResponse>();
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostCheckAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await CallAsync(WebhookCheck.CheckAsync(id, HttpContext, Db, secrets, sender, limiter, delivery, clock, ct));
        if (outcome.Succeeded) CheckResult = outcome.As<CheckResponse>();
        return await PageAsync(ct, id);
    }

    private async Task<IActionResult> PageAsync(CancellationToken ct, string? focus = null)
    {
        Focus = focus;
        await LoadAsync(ct);
        return Page();
    }

    private Task<bool> OwnsAsync(string id, CancellationToken ct) =>
        Formats.TryParseId(id, out var webhookId)
            ? Db.WebhookRegistrations.AnyAsync(r => r.Id == webhookId && r.CompanyId == Company.Id, ct)
            : Task.FromResult(false);

    private async Task LoadAsync(CancellationToken ct)
    {
        var list = ApiOutcome.From(await WebhookEndpoints.ListAsync(CompanyKey, PageRequest.MaxLimit, null, HttpContext, Db, secrets, ct));
        Registrations = list.Succeeded ? list.As<Page<WebhookResponse>>().Items : [];
        if (Edit is not null && HttpMethods.IsGet(Request.Method) && Registrations.FirstOrDefault(r => r.WebhookId == Edit) is { } editing)
        {
            Form = new WebhookForm { Type = editing.Type, Url = editing.Url, Enabled = editing.Enabled };
        }

        if (Replay is not null && ApiOutcome.From(await WebhookOperationsEndpoints.GetReplayAsync(Replay, HttpContext, Db, ct)) is { Succeeded: true } replay)
        {
            ReplayShown = replay.As<ReplayProgress>();
        }

        var companyId = Company.Id;
        var counts = await Db.Deliveries.AsNoTracking()
            .Where(d => d.TenantId == companyId && d.Status != DeliveryStatus.Pending && !d.IsTest)
            .GroupBy(d => new { d.EndpointId, d.Status })
            .Select(g => new { g.Key.EndpointId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        var lastIds = await Db.Deliveries.AsNoTracking().Where(d => d.TenantId == companyId)
            .GroupBy(d => d.EndpointId).Select(g => g.Max(d => d.Id)).ToListAsync(ct);
        var last = await Db.Deliveries.AsNoTracking().Include(d => d.Message).Where(d => lastIds.Contains(d.Id)).ToListAsync(ct);
        Stats = Registrations.ToDictionary(r => r.WebhookId, r =>
        {
            var endpoint = long.Parse(r.WebhookId, System.Globalization.CultureInfo.InvariantCulture);
            var l = last.FirstOrDefault(d => d.EndpointId == endpoint);
            return new WebhookStats(
                l?.Status, l?.Message?.EventType, l?.CompletedAt ?? l?.CreatedAt,
                counts.Where(c => c.EndpointId == endpoint && c.Status == DeliveryStatus.Succeeded).Sum(c => c.Count),
                counts.Where(c => c.EndpointId == endpoint && c.Status == DeliveryStatus.Failed).Sum(c => c.Count));
        });
    }
}
