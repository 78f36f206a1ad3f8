using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// What a client does when its endpoint fails (issue 14): pause and resume a registration (<see cref="RegistrationService"/>),
/// replay its failed deliveries (or every event of a range) and follow the replay's progress (<see cref="ReplayService"/>).
/// </summary>
public static class WebhookOperationsEndpoints
{
    public static RouteGroupBuilder MapWebhookOperations(this RouteGroupBuilder webhooks)
    {
        webhooks.MapPost("/{webhook_id}/pause", PauseAsync);
        webhooks.MapPost("/{webhook_id}/resume", ResumeAsync);
        webhooks.MapPost("/{webhook_id}/replay", ReplayAsync).RequiresFields("since");
        webhooks.MapGet("/replays/{replay_id}", GetReplayAsync);
        return webhooks;
    }

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> PauseAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.PauseAsync(Caller.From(http.User), webhook_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> ResumeAsync(string webhook_id, HttpContext http, RegistrationService registrations, CancellationToken ct) =>
        (await registrations.ResumeAsync(Caller.From(http.User), webhook_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Accepted<ReplayStarted>, ProblemHttpResult>> ReplayAsync(string webhook_id, ReplayRequest? request, HttpContext http, ReplayService replays, CancellationToken ct) =>
        (await replays.ReplayAsync(Caller.From(http.User), webhook_id, request, ct)).Map(r => TypedResults.Accepted($"/api/v1/webhooks/replays/{r.ReplayId}", r));

    private static async Task<Results<Ok<ReplayProgress>, ProblemHttpResult>> GetReplayAsync(string replay_id, HttpContext http, ReplayService replays, CancellationToken ct) =>
        (await replays.ProgressAsync(Caller.From(http.User), replay_id, ct)).Map(TypedResults.Ok);
}
