using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
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
    /// <summary>Optional, up to 200 characters: names the endpoint in the overview ("ERP in Frankfurt").</summary>
    public string? Description { get; set; }
}

/// <summary>
/// The Webhooks tab (issue 15): <c>/companies/{id}/webhooks</c> is the endpoints overview (a compact table and "Add New
/// Webhook Registration"); <c>/companies/{id}/webhooks/{webhookId}</c> is one endpoint's page with its health, chart,
/// recent deliveries and every action. Every change goes through the API's own services; another company's
/// registration answers 404 like a missing one.
/// </summary>
public sealed class WebhooksModel(
    TechLinkDbContext db, RegistrationService registrations, ReplayService replays, TestSendService tests, DeliveryLogService deliveries,
    TestSendLimiter limiter, TimeProvider clock)
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

    /// <summary>The registration of the endpoint page (route <c>{id}</c>); null on the overview.</summary>
    public WebhookResponse? Endpoint { get; private set; }

    /// <summary>The endpoint page's latest deliveries, test sends included, newest first.</summary>
    public IReadOnlyList<DeliveryResponse> Recent { get; private set; } = [];

    public IReadOnlyList<HourBucket> Hours { get; private set; } = [];

    public DateTime Now { get; private set; }

    public const int RecentCount = 10;

    /// <summary>The <c>{id}</c> of the route: the endpoint page's registration.</summary>
    public string? RouteId => RouteData.Values["id"] as string;

    public WebhookStats? StatsOf(WebhookResponse r) => Stats.GetValueOrDefault(r.WebhookId);

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

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (RouteId is { } id && !await OwnsAsync(id, ct)) return NotFound();
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (RouteId is { } routeId && !await OwnsAsync(routeId, ct)) return NotFound();
        var request = new WebhookRequest(Caller.IsStaff ? CompanyKey : null, Form.Type, Form.Url, Form.Token ?? "", Form.Enabled, Blank(Form.Description));
        var outcome = await registrations.CreateAsync(Caller, request, ct);
        if (Accepted(outcome))
        {
            var created = outcome.Value;
            Flash = $"Webhook registration saved: {created.Type} → {created.Url}. Use Reveal signing secret to copy its whsec_ secret.";
            return Redirect($"/companies/{CompanyKey}/webhooks/{created.WebhookId}");
        }

        Add = true;
        return await PageAsync(ct);
    }

    public async Task<IActionResult> OnPostUpdateAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var token = Form.RemoveToken ? "" : string.IsNullOrEmpty(Form.Token) ? null : Form.Token;
        var request = new WebhookRequest(null, Form.Type, Form.Url, token, Form.Enabled, Form.Description?.Trim() ?? "");
        var outcome = await registrations.UpdateAsync(Caller, id, request, replace: false, ct);
        if (Accepted(outcome)) return Done("Webhook registration saved.");
        Edit = id;
        return await PageAsync(ct);
    }

    public async Task<IActionResult> OnPostToggleAsync(string id, bool enabled, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await registrations.UpdateAsync(Caller, id, new WebhookRequest(null, null, null, null, enabled), replace: false, ct);
        return Accepted(outcome) ? Done(enabled ? "Registration enabled." : "Registration disabled: it receives no events until enabled again.") : await PageAsync(ct, id);
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

        if (!Accepted(await registrations.UpdateAsync(Caller, id, new WebhookRequest(null, null, null, null, true), replace: false, ct))) return await PageAsync(ct, id);
        var replay = await replays.ReplayAsync(Caller, id, new ReplayRequest(Formats.Instant(since), null, OnlyFailed: false), ct);
        if (!Accepted(replay)) return await PageAsync(ct, id);
        var started = replay.Value;
        return Done($"Registration enabled. Replay {started.ReplayId}: {started.Queued} events since {Formats.Instant(since)} queued.",
            new { replay = started.ReplayId });
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        if (!Accepted(await registrations.DeleteAsync(Caller, id, ct))) return await PageAsync(ct, id);
        Flash = "Webhook registration deleted.";
        return Redirect($"/companies/{CompanyKey}/webhooks");
    }

    public async Task<IActionResult> OnPostPauseAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        return Accepted(await registrations.PauseAsync(Caller, id, ct)) ? Done("Registration paused: its deliveries wait, unattempted, until you resume it.") : await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostResumeAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        return Accepted(await registrations.ResumeAsync(Caller, id, ct)) ? Done("Registration resumed: the deliveries that waited are sent now, oldest first.") : await PageAsync(ct, id);
    }

    /// <summary>"Replay failed": the times are the browser's local input, read as UTC (the page says so).</summary>
    public async Task<IActionResult> OnPostReplayAsync(string id, string? since, string? until, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await replays.ReplayAsync(Caller, id, new ReplayRequest(Blank(since), Blank(until), OnlyFailed: true), ct);
        if (!Accepted(outcome)) return await PageAsync(ct, id);
        var started = outcome.Value;
        return Done($"Replay {started.ReplayId}: {started.Queued} failed deliveries queued again.", new { replay = started.ReplayId });
    }

    public async Task<IActionResult> OnPostRevealAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await registrations.RevealSecretAsync(Caller, id, ct);
        if (Accepted(outcome)) Secret = outcome.Value;
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostRotateAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var outcome = await registrations.RotateSecretAsync(Caller, id, ct);
        if (Accepted(outcome)) Secret = outcome.Value;
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostTestAsync(string id, string? testEvent, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        TestEvent = testEvent;
        var plan = await tests.PlanTestAsync(Caller, id, new TestRequest(string.IsNullOrEmpty(testEvent) ? null : testEvent), ct);
        if (Accepted(plan) && WithinTestLimit(plan.Value.CompanyId)) TestResult = await tests.SendTestAsync(plan.Value, ct);
        return await PageAsync(ct, id);
    }

    public async Task<IActionResult> OnPostCheckAsync(string id, CancellationToken ct)
    {
        if (!await OwnsAsync(id, ct)) return NotFound();
        var plan = await tests.PlanCheckAsync(Caller, id, ct);
        if (Accepted(plan) && WithinTestLimit(plan.Value.CompanyId)) CheckResult = await tests.CheckAsync(plan.Value, ct);
        return await PageAsync(ct, id);
    }

    /// <summary>Whether the company may make one more test send now; if not, the page says when it may (the API's 429 detail).</summary>
    private bool WithinTestLimit(long companyId)
    {
        if (WebhookEndpoints.TooManyTests(limiter, companyId) is not { } tooMany) return true;
        Errors.Fail(tooMany.Problem.ProblemDetails.Detail!);
        return false;
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
        var list = await registrations.ListAsync(Caller, CompanyKey, PageRequest.MaxLimit, null, ct);
        Registrations = list.Succeeded ? list.Value.Items : [];
        if (Edit is not null && HttpMethods.IsGet(Request.Method) && Registrations.FirstOrDefault(r => r.WebhookId == Edit) is { } editing)
        {
            Form = new WebhookForm { Type = editing.Type, Url = editing.Url, Enabled = editing.Enabled, Description = editing.Description };
        }

        if (Replay is not null && await replays.ProgressAsync(Caller, Replay, ct) is { Succeeded: true } replay)
        {
            ReplayShown = replay.Value;
        }

        var stats = await WebhookStats.LoadAsync(Db, Company.Id, ct);
        Stats = Registrations.ToDictionary(r => r.WebhookId, r => stats.GetValueOrDefault(long.Parse(r.WebhookId, System.Globalization.CultureInfo.InvariantCulture))
            ?? new WebhookStats(null, null, null, 0, 0));
        Now = clock.GetUtcNow().UtcDateTime;
        // A form posted with ?id= (as older links and clients do) renders the endpoint page of that registration too.
        Endpoint = (RouteId ?? Focus) is { } id ? Registrations.FirstOrDefault(r => r.WebhookId == id) : null;
        if (Endpoint is not null) await LoadEndpointAsync(Endpoint, ct);
    }

    /// <summary>The endpoint page's chart (its attempts of the last 24 hours) and latest deliveries.</summary>
    private async Task LoadEndpointAsync(WebhookResponse endpoint, CancellationToken ct)
    {
        var endpointId = long.Parse(endpoint.WebhookId, System.Globalization.CultureInfo.InvariantCulture);
        Hours = await DeliveryChart.HoursAsync(Db, [endpointId], Now, ct);
        var recent = await deliveries.ListAsync(Caller, new DeliveryQuery(WebhookId: endpoint.WebhookId, CompanyId: CompanyKey, Test: "all"), RecentCount, null, ct);
        Recent = recent.Succeeded ? recent.Value.Items : [];
    }
}
