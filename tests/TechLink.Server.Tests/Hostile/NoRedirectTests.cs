using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// Every API route of the endpoint data source, called the ways a browser or a careless client would: no credentials,
/// a wrong key, another scheme, a logged-in portal user's cookie, a browser's Accept header, a client key on a staff
/// route. The API answers 401 (with a Bearer challenge) or 403 as problem details; never a redirect, never the login
/// page, and a portal cookie is not an API credential (API.md: "API: Authorization: Bearer &lt;api key&gt;").
/// </summary>
public abstract partial class NoRedirectTests(AppFixture fixture, PostgresFixture? postgres, ITestOutputHelper output) : ServerTest(fixture, postgres)
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private Task<(SeededCompany Company, string Cookie)> LoggedInAsync() => Fixture.SharedAsync("portal user", async () =>
    {
        var company = await SeededCompany.CreateAsync(App, "PORTAL");
        return (company, await PortalCookieAsync(company.UserName, company.Password));
    });

    /// <summary>Logs in through the real login form (antiforgery token and all) and answers the auth cookie as "name=value".</summary>
    private async Task<string> PortalCookieAsync(string userName, string password)
    {
        var browser = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await browser.GetStringAsync("/login");
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, "the login form has no antiforgery token");
        var response = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = userName, ["password"] = password, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("techlink.auth=", StringComparison.Ordinal));

        // The cookie is genuine: the portal shows the company page with it (so a 401 from the API means "not an API
        // credential", not "bad cookie"); /portal sends a client on to its Company Details page.
        using var portal = new HttpRequestMessage(HttpMethod.Get, "/portal");
        portal.Headers.Add("Cookie", cookie);
        using var start = await App.Anonymous().SendAsync(portal);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.DoesNotContain("login", start.Headers.Location?.ToString() ?? "login", StringComparison.OrdinalIgnoreCase);
        using var details = new HttpRequestMessage(HttpMethod.Get, start.Headers.Location);
        details.Headers.Add("Cookie", cookie);
        using var page = await App.Anonymous().SendAsync(details);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return cookie;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <param name="Alternative">A second acceptable status: a browser's form post to a JSON route is refused by routing
    /// (415, before authentication) rather than challenged; either way no redirect and no HTML.</param>
    private sealed record Credentials(string Name, int Expected, Action<HttpRequestMessage> Apply, int? Alternative = null);

    [Fact]
    public async Task EveryApiRoute_WithoutAValidKey_Answers401Or403ProblemAndNeverRedirects()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var (company, cookie) = await LoggedInAsync();
        Action<HttpRequestMessage> browser = r =>
        {
            r.Headers.Accept.ParseAdd(BrowserAccept);
            r.Headers.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0");
        };
        var callers = new List<Credentials>
        {
            new("no credentials", 401, _ => { }),
            new("no credentials, browser Accept", 401, browser),
            new("unknown key", 401, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "tlk_never_issued_0123456789")),
            new("Basic scheme", 401, r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("demo:demo"u8.ToArray()))),
            new("empty Bearer", 401, r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer ")),
            new("key of 10,000 characters", 401, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", new string('k', 10_000))),
            new("portal cookie", 401, r => r.Headers.Add("Cookie", cookie)),
            new("portal cookie, browser Accept", 401, r => { r.Headers.Add("Cookie", cookie); browser(r); }),
            new("browser form post with portal cookie", 401, r =>
            {
                r.Headers.Add("Cookie", cookie);
                browser(r);
                if (r.Content is not null) r.Content = new FormUrlEncodedContent([new("name", "x")]);
            }, Alternative: 415),
        };
        var staffCallers = new List<Credentials>
        {
            new("client key on a staff route", 403, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", company.Tenant.Key)),
            new("client key on a staff route, browser Accept", 403, r => { r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", company.Tenant.Key); browser(r); }),
            new("client key and portal cookie on a staff route", 403, r => { r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", company.Tenant.Key); r.Headers.Add("Cookie", cookie); }),
        };

        var failures = new List<string>();
        long sent = 0, lost = 0, redirects = 0, refusedBeforeAuthentication = 0;
        var client = App.Anonymous();
        var before = await DatabaseSnapshot.TakeAsync(App);
        foreach (var route in routes)
        {
            foreach (var caller in route.StaffOnly ? [.. callers, .. staffCallers] : callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(company.IdFor));
                request.Content = route.Body switch
                {
                    BodyKind.Json => FuzzCases.Json(SampleBodies.For(route.BodySchema!, company)),
                    BodyKind.Multipart => FuzzCases.Upload(Tenant.PngBytes, "image/png", "p.png"),
                    _ => null,
                };
                caller.Apply(request);
                using var response = await client.SendAsync(request);
                sent++;
                var status = (int)response.StatusCode;
                var (faults, _) = await Answers.CheckAsync(response);
                if (status is >= 300 and < 400) redirects++;
                if (status == 415) refusedBeforeAuthentication++;
                if (status != caller.Expected && status != caller.Alternative) faults.Add($"expected {caller.Expected}, got {status}");
                if (status == 401 && response.Headers.WwwAuthenticate.ToString() != "Bearer") faults.Add($"WWW-Authenticate is '{response.Headers.WwwAuthenticate}', not 'Bearer'");

                var after = await DatabaseSnapshot.TakeAsync(App);
                if (after.DifferenceFrom(before) is { } change) faults.Add("changed: " + change);
                before = after;
                if (faults.Count > 0) lost++;
                failures.AddRange(faults.Select(f => $"{route} [{caller.Name}]: {f}"));
            }
        }

        output.WriteLine($"{sent} requests over {routes.Count} routes; {redirects} redirects; {lost} wrong");
        ReliabilityLog.Record("Portal", $"every API route without a valid key (none, unknown, Basic, empty, 10,000 characters, portal cookie, browser Accept, browser form post), client key on staff routes ({Answers.Database(App.Provider)})", sent, lost,
            string.Create(CultureInfo.InvariantCulture,
                $"{routes.Count} route × method pairs from the endpoint data source; 401 with WWW-Authenticate: Bearer or 403, problem details; redirects {redirects}; HTML answers counted as lost; nothing written; form posts to JSON routes refused 415 by routing before authentication: {refusedBeforeAuthentication}"));
        Assert.True(failures.Count == 0, $"{failures.Count} failures of {sent} requests:\n" + string.Join('\n', failures.Take(60)));
    }
}

public sealed class NoRedirectTestsSqlite(AppFixture fixture, ITestOutputHelper output) : NoRedirectTests(fixture, null, output), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class NoRedirectTestsPostgres(AppFixture fixture, PostgresFixture postgres, ITestOutputHelper output) : NoRedirectTests(fixture, postgres, output), IClassFixture<AppFixture>;
