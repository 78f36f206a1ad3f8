using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// A browser-like HTTP client of the portal: keeps its cookies, never follows redirects, and posts forms as a browser
/// does, with the antiforgery token of the page the form is on (or without it, or with another one, to test refusal).
/// Optionally connects from a given loopback address (127.0.0.2, ...) so that tests have client addresses of their own.
/// </summary>
public sealed partial class PortalSession : IDisposable
{
    public const string TokenField = "__RequestVerificationToken";

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly CookieContainer _cookies = new();
    private readonly HttpClient _client;
    private readonly Uri _baseUrl;

    public PortalSession(Uri baseUrl, IPAddress? localAddress = null)
    {
        _baseUrl = baseUrl;
        var handler = new SocketsHttpHandler { CookieContainer = _cookies, UseCookies = true, AllowAutoRedirect = false, UseProxy = false };
        if (localAddress is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        _client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public bool HasCookie(string name) => _cookies.GetCookies(_baseUrl).Any(c => c.Name == name);

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>The antiforgery token a browser would find in the page at <paramref name="path"/> (null when the page has none).</summary>
    public async Task<string?> TokenAsync(string path)
    {
        using var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        return TokenInput().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
    }

    /// <summary>
    /// Posts a form as multipart/form-data (so file inputs work too), with the token of the page at
    /// <paramref name="tokenFrom"/>, or the explicit <paramref name="token"/>, or none when both are null.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string? tokenFrom = null, string? token = null,
        bool withFile = false, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (tokenFrom is not null) token = await TokenAsync(tokenFrom) ?? throw new InvalidOperationException($"{tokenFrom} has no antiforgery token");
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        if (token is not null) form.Add(new StringContent(token), TokenField);
        if (withFile)
        {
            var file = new ByteArrayContent(Png);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "file", "sweep.png");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = form };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        return await _client.SendAsync(request);
    }

    /// <summary>The error summary and field errors of a rendered page, for failure messages.</summary>
    public static string Messages(string html) =>
        string.Join(" | ", ErrorText().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value.Trim())).Where(t => t.Length > 0).Distinct());

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("class=\"(?:error-summary|field-error)\"[^>]*>([^<]*)", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorText();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex TokenInput();
}
