using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Accounts;

/// <summary>The <c>/users</c> routes: each maps a <see cref="UserService"/> outcome to its HTTP answer.</summary>
public static class UserEndpoints
{
    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Accounts");
        group.MapGet("/", ListAsync).WithSummary("Get Client Users");
        group.MapGet("/{user_id}", GetAsync);
        group.MapPost("/", CreateAsync).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("username");
        group.MapPatch("/{user_id}", UpdateAsync).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<Page<UserResponse>>, ProblemHttpResult>> ListAsync(string? company_id, int? limit, string? cursor, HttpContext http, UserService users, CancellationToken ct) =>
        (await users.ListAsync(Caller.From(http.User), company_id, limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(string user_id, HttpContext http, UserService users, CancellationToken ct) =>
        (await users.GetAsync(Caller.From(http.User), user_id, ct)).Map(TypedResults.Ok);

    /// <summary>Its 429 (too many taken usernames tried) carries <c>Retry-After</c>.</summary>
    private static async Task<Results<Created<UserResponse>, TooManyRequestsResult, ProblemHttpResult>> CreateAsync(CreateUserRequest request, HttpContext http, UserService users, CancellationToken ct)
    {
        var outcome = await users.CreateAsync(Caller.From(http.User), request, ct);
        if (outcome.Refusal is { RetryAfter: { } wait } refusal) return new TooManyRequestsResult(wait, refusal.Detail ?? "");
        return outcome.Succeeded ? TypedResults.Created($"/api/v1/users/{outcome.Value.UserId}", outcome.Value) : outcome.Refusal!.ToResult();
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateAsync(string user_id, UpdateUserRequest request, HttpContext http, UserService users, CancellationToken ct) =>
        (await users.UpdateAsync(Caller.From(http.User), user_id, request, ct)).Map(TypedResults.Ok);
}
