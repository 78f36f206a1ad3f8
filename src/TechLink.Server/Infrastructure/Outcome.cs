using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Why an action was refused: an RFC 9457 problem and its status, with no HTTP in it. Services answer one; an endpoint
/// turns it into the problem response (<see cref="ToResult"/>), a portal page into messages next to the form's fields.
/// </summary>
public sealed class Refusal
{
    private Refusal(int status, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors, IReadOnlyDictionary<string, object?>? extensions)
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
        Extensions = extensions ?? new Dictionary<string, object?>();
    }

    public int Status { get; }
    public string? Title { get; }
    public string? Detail { get; }

    /// <summary>Field errors keyed by the API's snake_case field names (400 only).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>Members besides the standard ones (e.g. a work order's <c>allowed_actions</c>).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; }

    public bool IsNotFound => Status == StatusCodes.Status404NotFound;

    /// <summary>How long a 429's caller must wait; the endpoint answers it with <c>Retry-After</c> (<see cref="TooManyRequestsResult"/>).</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public static Refusal NotFound(string what) => new(StatusCodes.Status404NotFound, "Not Found", $"No such {what}.", null, null);

    public static Refusal Conflict(string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        new(StatusCodes.Status409Conflict, "Conflict", detail, null, extensions);

    public static Refusal Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail, null, null);

    public static Refusal Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static Refusal Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        new(StatusCodes.Status400BadRequest, null, detail, errors, null);

    /// <summary>429: too many attempts of an action that is rationed by the domain (not the API's request rate limits).</summary>
    public static Refusal TooManyRequests(TimeSpan retryAfter, string detail) =>
        new(StatusCodes.Status429TooManyRequests, "Too Many Requests", detail, null, null) { RetryAfter = retryAfter };

    /// <summary>Any other status with a title and detail (e.g. 413, 415, 503).</summary>
    public static Refusal Of(int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        new(status, title, detail, null, extensions);

    /// <summary>
    /// The problem response, exactly as the API has always answered it (<c>application/problem+json</c>; a 400 with field
    /// errors as <see cref="HttpValidationProblemDetails"/>). Which statuses a route documents is said by its endpoint
    /// (<c>OpenApiAnswers</c>), not by this type, so a route that cannot answer 400 does not claim it.
    /// </summary>
    public ProblemHttpResult ToResult()
    {
        var details = Errors.Count > 0 ? new HttpValidationProblemDetails(Errors.ToDictionary()) : new ProblemDetails();
        details.Status = Status;
        details.Detail = Detail;
        if (Title is not null) details.Title = Title;
        foreach (var (key, value) in Extensions) details.Extensions[key] = value;
        return TypedResults.Problem(details);
    }
}

/// <summary>What a service answers: the value, or the <see cref="Refusal"/> that says why not. Nothing of a refused action stays.</summary>
public readonly struct Outcome<T>
{
    private readonly T? _value;

    private Outcome(T? value, Refusal? refusal)
    {
        _value = value;
        Refusal = refusal;
    }

    public Refusal? Refusal { get; }

    public bool Succeeded => Refusal is null;

    /// <summary>The value of a success; reading it from a refusal is a bug.</summary>
    public T Value => Refusal is null ? _value! : throw new InvalidOperationException($"The action was refused ({Refusal.Status}: {Refusal.Detail}).");

#pragma warning disable CA2225 // the implicit conversions are the point: a service returns its value or its refusal
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal ?? throw new ArgumentNullException(nameof(refusal)));
#pragma warning restore CA2225

    /// <summary>An endpoint's answer: <paramref name="success"/> of the value, or the problem.</summary>
    public Results<TSuccess, ProblemHttpResult> Map<TSuccess>(Func<T, TSuccess> success)
        where TSuccess : IResult => Refusal is { } refusal ? refusal.ToResult() : success(_value!);
}
