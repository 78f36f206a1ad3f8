using System.Net;
using System.Text.RegularExpressions;

namespace TechLink.Testing;

/// <summary>The portal as a browser uses it: cookies kept, no redirects followed, forms posted with their page's antiforgery token.</summary>
public sealed partial class PortalClient(Uri baseUrl) : IDisposable
{
    private readonly CookieContainer _cookies = new();

    private HttpClient? _client;

    private HttpClient Client => _client ??= new(new HttpClientHandler { CookieContainer = _cookies, AllowAutoRedirect = false })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields, string tokenFrom) =>
        await PostWithTokenAsync(path, fields, await TokenAsync(tokenFrom));

    /// <summary>Posts a form with a token fetched earlier (a page left open, or a replay).</summary>
    public Task<HttpResponseMessage> PostWithTokenAsync(string path, Dictionary<string, string> fields, string token)
    {
        fields["__RequestVerificationToken"] = token;
        return Client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token in the page at <paramref name="path"/>, as a browser that has the page open holds it.</summary>
    public async Task<string> TokenAsync(string path)
    {
        var page = await Client.GetStringAsync(new Uri(path, UriKind.Relative));
        return TokenInput().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException($"{path} has no form token");
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>A cookie's value as a thief would copy it, to replay from another client.</summary>
    public string? Cookie(string name) => _cookies.GetCookies(baseUrl).FirstOrDefault(c => c.Name == name)?.Value;

    /// <summary>Puts a copied cookie into this client's jar.</summary>
    public void SetCookie(string name, string value) => _cookies.Add(baseUrl, new Cookie(name, value, "/"));

    public void Dispose() => _client?.Dispose();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex TokenInput();
}
