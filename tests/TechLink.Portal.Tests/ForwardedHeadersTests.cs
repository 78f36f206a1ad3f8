using System.Net;
using TechLink.Portal.Tests.Sweep;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 16, point 7: behind a TLS proxy the session cookie is <c>Secure</c>, and forwarded headers are believed only
/// from the proxies named in <c>TechLink:ForwardedHeaders:KnownProxies</c>, so they never get around the login limits.
/// Each test has a server of its own (real Kestrel on loopback, SQLite).
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Area = "Hostile review, round two";
    private const string User = "proxy.ada";

    [Fact]
    public async Task Login_ThroughAKnownTlsProxy_SetsASecureSessionCookie()
    {
        await using var server = await StartAsync(new() { ["TechLink:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        using var viaProxy = await LogInAsync(server, new() { ["X-Forwarded-Proto"] = "https", ["X-Forwarded-For"] = "203.0.113.50" });
        using var direct = await LogInAsync(server, null);

        Assert.Equal(HttpStatusCode.Redirect, viaProxy.StatusCode);
        Assert.True(IsSecure(AuthCookie(viaProxy)), $"through the proxy: {AuthCookie(viaProxy)}");
        Assert.False(IsSecure(AuthCookie(direct)), $"plain http without a proxy: {AuthCookie(direct)}");
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnAddressNotKnownAsProxy_AreIgnored()
    {
        await using var server = await StartAsync(new()
        {
            ["TechLink:ForwardedHeaders:KnownProxies:0"] = "10.255.255.1",
            ["TechLink:Portal:LoginAttemptsPerUser"] = "2",
        });
        using var forgedHttps = await LogInAsync(server, new() { ["X-Forwarded-Proto"] = "https" });
        Assert.False(IsSecure(AuthCookie(forgedHttps)), AuthCookie(forgedHttps));

        var answers = await WrongPasswordsAsync(server, 4, i => $"198.51.100.{i}");
        Record("X-Forwarded-For rotated by a client that is not a known proxy", answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
    }

    [Fact]
    public async Task ForwardedFor_SpoofedEntriesBeforeTheProxysOwn_DoNotGetAroundTheLimit()
    {
        await using var server = await StartAsync(new()
        {
            ["TechLink:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["TechLink:Portal:LoginAttemptsPerUser"] = "2",
        });

        // The proxy appends the address it saw; what the client wrote before it is not believed.
        var answers = await WrongPasswordsAsync(server, 4, i => $"10.0.0.{i}, 203.0.113.9");
        Record("X-Forwarded-For entries prepended by the client behind a known proxy", answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
    }

    [Fact]
    public async Task Login_InProductionWithAnHttpsPublicBaseUrl_SetsASecureSessionCookieEvenWithoutAProxySetting()
    {
        await using var server = await StartAsync(new()
        {
            ["TechLink:Environment"] = "Production",
            ["TechLink:PublicBaseUrl"] = "https://portal.techlink.example/",
        });
        using var response = await LogInAsync(server, null);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(IsSecure(AuthCookie(response)), AuthCookie(response));
    }

    private static async Task<PortalServer> StartAsync(Dictionary<string, string> settings)
    {
        var server = await PortalServer.StartAsync(settings);
        await server.CreateUserAsync(User, null, isStaff: true);
        return server;
    }

    private static async Task<HttpResponseMessage> LogInAsync(PortalServer server, Dictionary<string, string>? headers, string password = PortalServer.Password)
    {
        using var session = new PortalSession(server.BaseUrl);
        return await session.PostFormAsync("/login", new() { ["username"] = User, ["password"] = password }, tokenFrom: "/login", headers: headers);
    }

    private static async Task<List<HttpStatusCode>> WrongPasswordsAsync(PortalServer server, int count, Func<int, string> forwardedFor)
    {
        var answers = new List<HttpStatusCode>();
        for (var i = 1; i <= count; i++)
        {
            using var response = await LogInAsync(server, new() { ["X-Forwarded-For"] = forwardedFor(i) }, "wrong-password-" + i);
            answers.Add(response.StatusCode);
        }

        return answers;
    }

    private static void Record(string what, List<HttpStatusCode> answers) =>
        ReliabilityLog.Record(Area, what, answers.Count, answers[^1] == HttpStatusCode.TooManyRequests ? 0 : 1,
            "answers: " + string.Join(", ", answers.Select(a => (int)a)));

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.FirstOrDefault(v => v.StartsWith("techlink.auth=", StringComparison.Ordinal)) ?? "(no techlink.auth cookie)"
            : "(no Set-Cookie)";

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';', StringSplitOptions.TrimEntries).Any(p => p.Equals("secure", StringComparison.OrdinalIgnoreCase));
}
