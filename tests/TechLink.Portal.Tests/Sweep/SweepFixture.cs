using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Model;
using TechLink.Server.Data;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>The ids of one set of a company's things; each field is one kind of id a portal page takes.</summary>
public sealed record IdSet(string CompanyId, string SiteId, string WorkOrderId, string WebhookId, string UserId, string QuestionId, string TaskId, string DeliveryId, string EventId)
{
    public string this[IdKind kind] => kind switch
    {
        IdKind.Company => CompanyId,
        IdKind.Site => SiteId,
        IdKind.WorkOrder => WorkOrderId,
        IdKind.Webhook => WebhookId,
        IdKind.User => UserId,
        IdKind.Question => QuestionId,
        IdKind.Task => TaskId,
        IdKind.Delivery => DeliveryId,
        IdKind.Event => EventId,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

public enum IdKind
{
    Company,
    Site,
    WorkOrder,
    Webhook,
    User,
    Question,
    Task,
    Delivery,
    Event,
}

/// <summary>
/// The sweeps' server: no dispatcher (so that only requests change the database and a snapshot before and after a
/// request shows exactly what it changed), generous login limits, two client companies with a user each, a staff
/// user, and fresh ids on demand. Company B's things carry <see cref="MarkerB"/> in their names, so that any page
/// showing them to company A's user is caught.
/// </summary>
public sealed class SweepFixture : IAsyncLifetime
{
    public const string StaffUser = "sweep.staff";
    public const string ClientA = "sweep.acme";
    public const string ClientB = "sweep.globex";
    public const string MarkerB = "MARKERB";

    private int _counter;

    public PortalServer Server { get; private set; } = null!;
    public IReadOnlyList<PortalHandler> Handlers { get; private set; } = [];
    public string CompanyA { get; private set; } = "";
    public string CompanyB { get; private set; } = "";

    /// <summary>Company B's things, made once: every request with them must fail, so they never change.</summary>
    public IdSet B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PortalServer.StartAsync(new Dictionary<string, string>
        {
            ["TechLink:Node:Roles"] = "api",
            ["TechLink:Portal:LoginAttemptsPerUser"] = "10000",
            ["TechLink:Portal:LoginAttemptsPerAddress"] = "10000",
        });
        Handlers = await PortalRoutes.AllAsync(Server.Services);
        using var staff = Server.StaffApi();
        CompanyA = (await staff.PostAsync("/api/v1/companies", new { name = "Sweep Acme" })).Str("company_id");
        CompanyB = (await staff.PostAsync("/api/v1/companies", new { name = $"Globex {MarkerB}" })).Str("company_id");
        await Server.CreateUserAsync(StaffUser, null, isStaff: true);
        await Server.CreateUserAsync(ClientA, long.Parse(CompanyA, System.Globalization.CultureInfo.InvariantCulture), isStaff: false);
        await Server.CreateUserAsync(ClientB, long.Parse(CompanyB, System.Globalization.CultureInfo.InvariantCulture), isStaff: false);
        B = await NewIdsAsync(CompanyB, MarkerB);

        // One registration of company A disabled automatically, so the page renders the forms only such a one has
        // ("Re-enable and replay what you missed").
        var disabled = long.Parse((await staff.PostAsync("/api/v1/webhooks", new
        {
            company_id = CompanyA, type = "site created", url = "http://127.0.0.1:9/sweep-auto-disabled",
        })).Str("webhook_id"), System.Globalization.CultureInfo.InvariantCulture);
        await using var scope = Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TechLinkDbContext>().WebhookRegistrations.Where(r => r.Id == disabled).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Enabled, false)
            .SetProperty(r => r.DisabledReason, "Disabled automatically: the sweep's own.")
            .SetProperty(r => r.DisabledAt, DateTime.UtcNow));
    }

    /// <summary>
    /// A fresh site, work order (with a question and a task), webhook registration, user and finished delivery of the
    /// company, made through the API as staff: a request may delete or close them without disturbing the next one.
    /// </summary>
    public async Task<IdSet> NewIdsAsync(string companyId, string? marker = null)
    {
        var n = Interlocked.Increment(ref _counter);
        var label = $"{marker ?? "sweep"}-{n}";
        using var staff = Server.StaffApi();
        var webhook = (await staff.PostAsync("/api/v1/webhooks", new
        {
            company_id = companyId, type = "(any webhooks)", url = $"http://127.0.0.1:9/{label}", token = $"token-{label}",
        })).Str("webhook_id");
        var site = (await staff.PostAsync("/api/v1/sites", new
        {
            company_id = companyId, name = $"Store {label}", site_number = "7", address1 = "1 Main Street", address2 = "", city = "Seattle", state = "WA",
            postal_code = "98101", country = "US", phone = "555-0100", contact_name = $"Manager {label}", timezone = "America/Los_Angeles",
        })).Str("site_id");
        var workOrder = (await staff.PostAsync("/api/v1/workorders", new
        {
            site_id = site, client_reference = $"PO-{label}", title = $"Install {label}", description = $"Work {label}", priority = "normal",
        })).Str("workorder_id");
        var question = (await staff.PostAsync($"/api/v1/workorders/{workOrder}/questions", new { question = $"Question {label}?" })).Str("question_id");
        var task = (await staff.PostAsync($"/api/v1/workorders/{workOrder}/tasks", new { title = $"Task {label}", description = $"Do {label}" })).Str("task_id");
        var user = (await staff.PostAsync("/api/v1/users", new
        {
            company_id = companyId, username = $"user.{label}".ToLowerInvariant(), first_name = "User", last_name = label, email = $"{label}@example.com",
            phone = "555-0101",
        })).Str("user_id");

        // The work order's events went to the registration as pending deliveries (no dispatcher here); one of them is
        // marked failed so that Redeliver, which takes finished deliveries only, has something to act on.
        await using var scope = Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var endpointId = long.Parse(webhook, System.Globalization.CultureInfo.InvariantCulture);
        var delivery = await db.Deliveries.Where(d => d.EndpointId == endpointId).OrderBy(d => d.Id).FirstAsync();
        await db.Deliveries.Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, DeliveryStatus.Failed)
            .SetProperty(d => d.CompletedAt, DateTime.UtcNow)
            .SetProperty(d => d.LastError, "connection refused"));
        return new IdSet(companyId, site, workOrder, webhook, user, question, task, delivery.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            delivery.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public int Next() => Interlocked.Increment(ref _counter);

    /// <summary>Puts a technician on site (status 70): the check-out form and action exist only then (WorkOrderRules).</summary>
    public async Task CheckInAsync(string workOrderId)
    {
        using var staff = Server.StaffApi();
        await staff.PostAsync($"/api/v1/workorders/{workOrderId}/check-in", new { tech_name = "Tess Tech", tech_phone = "555-0100" });
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}
