using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Turns a bad request that the framework rejected (malformed JSON, a value of the wrong type, a body too
/// large) into problem details naming the field. Anything else is a 500 without a stack trace.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, DataProvider database, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            httpContext.Response.StatusCode = bad.StatusCode;
            var json = FindJsonException(exception);
            var details = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode switch
                {
                    413 => "Payload Too Large",
                    415 => "Unsupported Media Type",
                    _ => "Bad Request",
                },
                Detail = json is not null ? "The request body is not valid JSON for this operation." : Sanitize(bad.Message),
            };
            if (json is not null)
            {
                var field = FieldOf(json.Path);
                details.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [json.Path is null or "$" ? "The body is not valid JSON." : $"'{field}' has a value of the wrong type or is malformed."] };
            }
            else if (bad.StatusCode == StatusCodes.Status400BadRequest && BindingFailure(bad.Message) is { } failure)
            {
                details.Detail = failure.Message;
                details.Extensions["errors"] = new Dictionary<string, string[]> { [failure.Field] = [failure.Message] };
            }

            return await WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = null });
        }

        if (DatabaseUnavailable(exception))
        {
            // Nothing was written (the transaction never committed): the client should simply try again.
            LogDatabaseUnavailable(logger, httpContext.Request.Path, exception.GetType().Name);
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = "5";
            return await WriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = 503,
                    Title = "Service Unavailable",
                    Detail = "The database is not reachable right now; nothing was changed. Try again in a few seconds.",
                },
            });
        }

        if (exception is Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException)
        {
            // A change made from a read that another request made stale, outside ReadModifyWriteAsync (which retries):
            // nothing was written, and it is a conflict, not a fault of ours.
            LogConcurrentChange(logger, httpContext.Request.Path);
            httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
            return await WriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = 409,
                    Title = "Conflict",
                    Detail = "Another request changed this at the same time; nothing was changed. Read it again and retry.",
                },
            });
        }

        LogUnhandled(logger, httpContext.Request.Path, exception);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await WriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = 500, Title = "Internal Server Error", Detail = "Something went wrong on our side; it has been logged." },
        });
    }

    /// <summary>
    /// A portal page gets the portal's own error page (<see cref="Portal.PortalErrors"/> renders one for an answer without
    /// a body), so only the status is set for it; everything else gets problem details.
    /// </summary>
    private ValueTask<bool> WriteAsync(ProblemDetailsContext context) =>
        Portal.PortalErrors.IsPortal(context.HttpContext) ? ValueTask.FromResult(true) : problems.TryWriteAsync(context);

    /// <summary>The database is down or unreachable, as its provider tells (<see cref="DataProvider.IsUnavailable"/>).</summary>
    private bool DatabaseUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (database.IsUnavailable(e)) return true;
        }

        return false;
    }

    private static JsonException? FindJsonException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is JsonException j) return j;
        }

        return null;
    }

    /// <summary>"$.tech_name" → "tech_name"; "$" → "body".</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return p.Length == 0 ? "body" : p;
    }

    private static string Sanitize(string message) => message.Split('\n')[0];

    /// <summary>
    /// The parameter a minimal API could not bind, from the framework's message ("Failed to bind parameter
    /// \"Nullable&lt;int&gt; limit\" from \"abc\".", "Implicit body inferred for parameter \"request\" but no body was
    /// provided.", "Required parameter ... was not provided from query string."), reworded without CLR type names.
    /// </summary>
    private static (string Field, string Message)? BindingFailure(string message)
    {
        var match = BoundParameter().Match(message);
        if (!match.Success) return null;
        if (message.StartsWith("Implicit body", StringComparison.Ordinal) || message.Contains("from the request body", StringComparison.Ordinal))
        {
            return ("body", "A JSON body is required for this operation.");
        }

        var name = match.Groups["name"].Value;
        return message.StartsWith("Required", StringComparison.Ordinal)
            ? (name, $"'{name}' is required.")
            : (name, $"'{name}' has a value of the wrong type or is malformed.");
    }

    /// <summary>The quoted "Type name" (or bare "name") after "parameter"; the name is the last word.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[^\"\\s]+)\"", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();

    [LoggerMessage(EventId = LogEventIds.DatabaseUnavailable, Level = LogLevel.Warning, Message = "Database unavailable on {Path} ({Error}); answered 503")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string path, string error);

    [LoggerMessage(EventId = LogEventIds.ConcurrentChange, Level = LogLevel.Warning, Message = "Concurrent change on {Path}; answered 409")]
    private static partial void LogConcurrentChange(ILogger logger, string path);

    [LoggerMessage(EventId = LogEventIds.UnhandledException, Level = LogLevel.Error, Message = "Unhandled exception on {Path}")]
    private static partial void LogUnhandled(ILogger logger, string path, Exception exception);
}
