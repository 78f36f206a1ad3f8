using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// The <c>/webhooks</c> routes: registrations (the spec's Type, URL, Token, Enabled), their secrets, the test button and
/// the readiness check, the delivery log. Each maps a service's outcome (<see cref="RegistrationService"/>,
/// <see cref="TestSendService"/>, <see cref="DeliveryLogService"/>) to its HTTP answer; the test-send rate limit stays here.
/// </summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhooks").WithTags("Webhooks");
        group.MapGet("/event-types", EventTypes);
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("type", "url");
        group.MapGet("/deliveries", ListDeliveriesAsync);
        group.MapGet("/deliveries/{delivery_id}", GetDeliveryAsync);
        group.MapPost("/deliveries/{delivery_id}/redeliver", RedeliverAsync).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{webhook_id}", GetAsync);
        group.MapPut("/{webhook_id}", ReplaceAsync).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("type", "url");
        group.MapPatch("/{webhook_id}", PatchAsync).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{webhook_id}", DeleteAsync);
        group.MapGet("/{webhook_id}/secret", GetSecretAsync);
        group.MapPost("/{webhook_id}/secret/rotate", RotateSecretAsync);
        group.MapPost("/{webhook_id}/test", TestAsync).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/{webhook_id}/check", CheckAsync).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapWebhookOperations();
        return api;
    }

    private static Ok<Page<EventTypeResponse>> EventTypes() => TypedResults.Ok(new Page<EventTypeResponse>(
    [
        .. EventCatalog.All.Select(t => new EventTypeResponse(t.Type, t.Description, false, EventSamples.For(t.Type) is { } s ? JsonSerializer.SerializeToElement(s, s.GetType(), ApiJson.Options) : null)),
        new EventTypeResponse(EventCatalog.AllCurrent, "Every event type available when the registration is saved (the list is frozen then).", true, null),
        new EventTypeResponse(EventCatalog.Any, "Events of any type, even types added after the registration was created (a true wildcard).", true, null),
    ], null));

    private static async Task<Results<Ok<Page<WebhookResponse>>, ProblemHttpResult>> ListAsync(string? company_id, int? limit, string? cursor, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.ListAsync(Caller.From(http.User), company_id, limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.GetAsync(Caller.From(http.User), webhook_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<WebhookResponse>, ProblemHttpResult>> CreateAsync(WebhookRequest request, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.CreateAsync(Caller.From(http.User), request, ct)).Map(r => TypedResults.Created($"/api/v1/webhooks/{r.WebhookId}", r));

    /// <summary>PUT replaces: what is left out goes back to its default (no token, enabled).</summary>
    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> ReplaceAsync(string webhook_id, WebhookRequest request, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.UpdateAsync(Caller.From(http.User), webhook_id, request, replace: true, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> PatchAsync(string webhook_id, WebhookRequest request, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.UpdateAsync(Caller.From(http.User), webhook_id, request, replace: false, ct)).Map(TypedResults.Ok);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.DeleteAsync(Caller.From(http.User), webhook_id, ct)).Map(_ => TypedResults.NoContent());

    private static async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> GetSecretAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.RevealSecretAsync(Caller.From(http.User), webhook_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> RotateSecretAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.RotateSecretAsync(Caller.From(http.User), webhook_id, ct)).Map(TypedResults.Ok);

    /// <summary>Limited per company (<see cref="TestSendLimiter"/>) after the lookup and the validation, so only real sends count.</summary>
    private static async Task<Results<Ok<TestResponse>, ProblemHttpResult, TooManyRequestsResult>> TestAsync(string webhook_id, TestRequest? request, HttpContext http,
        TestSendService tests, TestSendLimiter limiter, CancellationToken ct)
    {
        var plan = await tests.PlanTestAsync(Caller.From(http.User), webhook_id, request, ct);
        if (plan.Refusal is { } refusal) return refusal.ToResult();
        if (TooManyTests(limiter, plan.Value.CompanyId) is { } tooMany) return tooMany;
        return TypedResults.Ok(await tests.SendTestAsync(plan.Value, ct));
    }

    private static async Task<Results<Ok<CheckResponse>, ProblemHttpResult, TooManyRequestsResult>> CheckAsync(string webhook_id, HttpContext http,
        TestSendService tests, TestSendLimiter limiter, CancellationToken ct)
    {
        var plan = await tests.PlanCheckAsync(Caller.From(http.User), webhook_id, ct);
        if (plan.Refusal is { } refusal) return refusal.ToResult();
        if (TooManyTests(limiter, plan.Value.CompanyId) is { } tooMany) return tooMany;
        return TypedResults.Ok(await tests.CheckAsync(plan.Value, ct));
    }

    /// <summary>The 429 of a company past its test sends (a test or a readiness check); null when this one may go.</summary>
    internal static TooManyRequestsResult? TooManyTests(TestSendLimiter limiter, long companyId) =>
        limiter.TryAcquire(companyId) is { } wait ? new TooManyRequestsResult(wait, $"Too many test sends for this company; try again in {RateLimiting.Seconds(wait)} s.") : null;

    private static async Task<Results<Ok<Page<DeliveryResponse>>, ProblemHttpResult>> ListDeliveriesAsync(string? webhook_id, string? status, string? @event, string? workorder_id,
        string? company_id, int? limit, string? cursor, HttpContext http, DeliveryLogService deliveries, CancellationToken ct,
        string? since = null, string? until = null, string? status_code = null, string? webhook_message_id = null, string? test = null) =>
        (await deliveries.ListAsync(Caller.From(http.User), new DeliveryQuery(webhook_id, status, @event, workorder_id, company_id, since, until, status_code, webhook_message_id, test),
            limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<DeliveryResponse>, ProblemHttpResult>> GetDeliveryAsync(string delivery_id, HttpContext http, DeliveryLogService deliveries, CancellationToken ct) =>
        (await deliveries.GetAsync(Caller.From(http.User), delivery_id, ct)).Map(TypedResults.Ok);

    /// <summary><c>POST /webhooks/deliveries/{delivery_id}/redeliver</c> with its optional <c>{snapshot}</c>.</summary>
    private static async Task<Results<Accepted<DeliveryResponse>, ProblemHttpResult>> RedeliverAsync(string delivery_id, RedeliverRequest? request, HttpContext http,
        DeliveryLogService deliveries, CancellationToken ct) =>
        (await deliveries.RedeliverAsync(Caller.From(http.User), delivery_id, request, ct)).Map(d => TypedResults.Accepted($"/api/v1/webhooks/deliveries/{d.DeliveryId}", d));
}
