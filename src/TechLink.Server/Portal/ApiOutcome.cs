using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>
/// Pages call the API's own handlers, so that one piece of code does one thing for both. This reads what the
/// handler answered: the value of a success, or the field errors and detail of a refusal, for the form.
/// </summary>
internal sealed class ApiOutcome
{
    private ApiOutcome(int status, object? value, IReadOnlyDictionary<string, string[]> errors, string? detail)
    {
        Status = status;
        Value = value;
        Errors = errors;
        Detail = detail;
    }

    public int Status { get; }
    public object? Value { get; }
    /// <summary>Field errors keyed by the API's snake_case field names.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
    public string? Detail { get; }
    public bool Succeeded => Status < 400;
    public bool NotFound => Status == StatusCodes.Status404NotFound;

    public T As<T>() => (T)Value!;

    public static ApiOutcome From(IResult result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        return result switch
        {
            TooManyRequestsResult t => From(t.Problem),
            ValidationProblem v => new(status, null, v.ProblemDetails.Errors.ToDictionary(), v.ProblemDetails.Detail ?? "Please correct the fields marked below."),
            ProblemHttpResult p => new(status, null, (p.ProblemDetails as HttpValidationProblemDetails)?.Errors.ToDictionary() ?? [], p.ProblemDetails.Detail ?? p.ProblemDetails.Title),
            IValueHttpResult v => new(status, v.Value, new Dictionary<string, string[]>(), null),
            _ => new(status, null, new Dictionary<string, string[]>(), null),
        };
    }

    public static async Task<ApiOutcome> RunAsync(Task<IResult> call) => From(await call);
}

/// <summary>The messages of a form: a summary line and errors next to each field.</summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, string[]> _errors = [];

    public string? Summary { get; private set; }

    public bool Any => Summary is not null || _errors.Count > 0;

    public IReadOnlyList<string> For(string field) => _errors.TryGetValue(field, out var e) ? e : [];

    internal void Add(ApiOutcome outcome)
    {
        foreach (var (key, value) in outcome.Errors) _errors[key] = PlainWords.Rewrite(key, value);
        Summary = outcome.Detail ?? "The change was refused.";
    }

    internal void Add(Refusal refusal)
    {
        foreach (var (key, value) in refusal.Errors) _errors[key] = PlainWords.Rewrite(key, value);
        Summary = refusal.Detail ?? (refusal.Errors.Count > 0 ? "Please correct the fields marked below." : "The change was refused.");
    }

    public void Fail(string message) => Summary = message;
}
