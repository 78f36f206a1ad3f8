using System.Net;

namespace TechLink.Webhooks;

/// <summary>The API answered an error (an RFC 9457 problem details body when it sent one).</summary>
public sealed class TechLinkApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TechLinkApiException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TechLinkApiException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public TechLinkApiException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal TechLinkApiException(HttpStatusCode statusCode, string? type, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors, string? body)
        : base(BuildMessage(statusCode, title, detail, errors))
    {
        StatusCode = statusCode;
        Type = type;
        Title = title;
        Detail = detail;
        Errors = errors;
        ResponseBody = body;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem's <c>type</c>.</summary>
    public string? Type { get; }

    /// <summary>The problem's <c>title</c>.</summary>
    public string? Title { get; }

    /// <summary>The problem's <c>detail</c>.</summary>
    public string? Detail { get; }

    /// <summary>Validation errors by field (400), empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();

    /// <summary>The raw response body.</summary>
    public string? ResponseBody { get; }

    private static string BuildMessage(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var text = $"TechLink API answered {(int)status} {title ?? status.ToString()}";
        if (!string.IsNullOrEmpty(detail)) text += ": " + detail;
        if (errors.Count > 0) text += " (" + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(", ", e.Value))) + ")";
        return text;
    }
}
