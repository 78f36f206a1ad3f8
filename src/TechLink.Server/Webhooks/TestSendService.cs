using System.Text.Json;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Sending;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>A test send the caller may make: the registration (found for the caller) and the sample's event type.</summary>
public sealed record TestSendPlan(WebhookRegistration Registration, string Event)
{
    public long CompanyId => Registration.CompanyId;
}

/// <summary>
/// The Test button and the readiness check. Each is two steps, so that the per-company rate limit
/// (<see cref="TestSendLimiter"/>, the endpoint's and page's business) counts only real sends: first the lookup and the
/// validation (<see cref="PlanTestAsync"/>, <see cref="PlanCheckAsync"/>), then, once the limit let it through, the send.
/// </summary>
public sealed class TestSendService(TechLinkDbContext db, WebhookSecrets secrets, WebhookSender sender, IOptions<DeliveryOptions> delivery, TimeProvider clock)
{
    public async Task<Outcome<TestSendPlan>> PlanTestAsync(Caller caller, string webhookId, TestRequest? request, CancellationToken ct)
    {
        var r = await RegistrationService.FindAsync(webhookId, db, ct);
        if (r is null) return RegistrationService.Missing;
        var type = request?.Event ?? r.EventTypeList.FirstOrDefault(t => t != EventCatalog.Wildcard) ?? TechLink.Webhooks.TechLinkEventTypes.WorkOrderStatusChange;
        if (!EventCatalog.IsEventType(type)) return Refusal.Validation("event", $"'{Problems.Quote(type)}' is not an event type.");
        return new TestSendPlan(r, type);
    }

    /// <summary>
    /// Sends a sample now. The answer's error is the caller's kind (<see cref="AttemptOutcome.CallerError"/>), and a
    /// receiver reached only through AllowedNetworks shows its status but not its body.
    /// </summary>
    public async Task<TestResponse> SendTestAsync(TestSendPlan plan, CancellationToken ct)
    {
        var (r, type) = (plan.Registration, plan.Event);
        var sample = EventSamples.For(type)!;
        var payload = JsonSerializer.Serialize(sample, sample.GetType(), ApiJson.Options);
        var target = EndpointDirectory.ToTarget(r, secrets, clock) with { Enabled = true };
        var webhookId = EventOutbox.NewWebhookId();
        var outcome = await sender.SendAsync(target, webhookId, payload, ct);
        TestSendLog.Add(db, r, type, payload, webhookId, outcome, Formats.Now(clock));
        await db.SaveChangesAsync(ct);
        return new TestResponse(outcome.Succeeded, outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds, outcome.CallerError,
            outcome.ResponseExcerpt, type, webhookId, outcome.AnswerWithheld);
    }

    /// <summary>The registration a readiness check would send to.</summary>
    public async Task<Outcome<WebhookRegistration>> PlanCheckAsync(Caller caller, string webhookId, CancellationToken ct) =>
        await RegistrationService.FindAsync(webhookId, db, ct) is { } r ? r : RegistrationService.Missing;

    /// <summary>The readiness check (<see cref="WebhookCheck"/>).</summary>
    public Task<CheckResponse> CheckAsync(WebhookRegistration registration, CancellationToken ct) =>
        WebhookCheck.RunAsync(registration, db, secrets, sender, delivery.Value, clock, ct);
}
