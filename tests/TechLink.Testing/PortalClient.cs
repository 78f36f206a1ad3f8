using System.Net;
using System.Text.RegularExpressions;

namespace TechLink.Testing;

/// <summary>The portal as a browser uses it: cookies kept, no redirects followed, forms posted with their page's antiforgery token.</summary>
public sealed partial class PortalClient(Uri baseUrl) : IDisposable
{
    private readonly HttpClient _client = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields, string tokenFrom)
    {
        var page = await _client.GetStringAsync(new Uri(tokenFrom, UriKind.Relative));
        var token = TokenInput().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException($"{tokenFrom} has no form token");
        fields["__RequestVerificationToken"] = token;
        return await _client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(new Uri(path, UriKind.Relative));

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex TokenInput();
}
