using TechLink.Delivery.Model;
using System.Text.Json;

namespace TechLink.Delivery.Sending;

/// <summary>The headers the delivery log keeps of each attempt: the request's as sent (X-Token masked) and the answer's.</summary>
internal static class LoggedHeaders
{
    public static string Request(EndpointTarget target, string webhookId, long timestamp, string signature, long? sequence)
    {
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json",
            ["User-Agent"] = WebhookSender.UserAgent,
        };
        if (target.Token is not null) headers["X-Token"] = WebhookSender.MaskedToken;
        headers["webhook-id"] = webhookId;
        headers["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["webhook-signature"] = signature;
        if (sequence is { } number) headers[WebhookSender.SequenceHeader] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return JsonSerializer.Serialize(headers, HeaderJson);
    }

    /// <summary>
    /// Header values are written as they are (a signature's <c>+</c> stays <c>+</c>, not <c>\u002B</c>), so a value
    /// copied from the delivery log matches; the log is shown HTML-encoded, never as raw HTML.
    /// </summary>
    private static readonly JsonSerializerOptions HeaderJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The answer's headers (response and content headers) as a JSON object, a repeated header's values joined with
    /// ", ", cut at <see cref="MaxResponseHeadersChars"/> characters of names and values (the rest is dropped, and a
    /// <c>…</c> entry says so).
    /// </summary>
    public static string Response(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var used = 0;
        foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            var value = values.Count == 1 ? values.ToString() : string.Join(", ", values);
            used += name.Length + value.Length;
            if (used > MaxResponseHeadersChars)
            {
                headers["…"] = "more headers were not kept";
                break;
            }

            headers[name] = headers.TryGetValue(name, out var before) ? before + ", " + value : value;
        }

        return JsonSerializer.Serialize(headers, HeaderJson);
    }

    /// <summary>How much of an answer's headers the delivery log keeps.</summary>
    public const int MaxResponseHeadersChars = 4096;
}
