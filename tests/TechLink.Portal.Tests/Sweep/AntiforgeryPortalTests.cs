using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// Every state-changing form refuses a post without its antiforgery token: the handlers come from the running app,
/// not from a list, and each is posted as a signed-in user with real ids, without a token, with another session's
/// token, and (the control) with its own token.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AntiforgeryPortalTests(PortalFixture browser, SweepFixture fixture, ITestOutputHelper output)
{
    /// <summary>Handlers that change nothing in the database even when accepted (they read, send a test, or set a cookie).</summary>
    // Resume changes nothing on the sweep's fresh registrations, which are not paused (it is idempotent).
    private static readonly HashSet<string> ReadOnlyHandlers =
        ["/Companies/Webhooks Reveal", "/Companies/Webhooks Test", "/Companies/Webhooks Resume", "/Account/Login ", "/Account/Logout "];

    [Fact]
    public void PortalHandlers_AreGetOrPostOnly_AndEveryIdCanBeFilled()
    {
        Assert.Contains(fixture.Handlers, h => h.Method == "POST");
        Assert.Empty(fixture.Handlers.Where(h => h.Method is not ("GET" or "POST")).Select(h => $"{h} [{h.Page}]"));
        Assert.Empty(FormFiller.Unaddressable(fixture.Handlers));
    }

    [Fact]
    public async Task EveryPostHandler_WithoutAntiforgeryToken_Answers400AndChangesNothing()
    {
        var posts = fixture.Handlers.Where(h => h.Method == "POST").OrderBy(h => h.Page == "/Account/Logout").ToList();
        Assert.Empty(FormFiller.Unaddressable(posts));
        var staff = await fixture.Server.LogInAsync(SweepFixture.StaffUser);
        using var other = await fixture.Server.LogInAsync(SweepFixture.ClientA);
        var otherToken = await other.TokenAsync($"/companies/{fixture.CompanyA}") ?? throw new InvalidOperationException("no token");
        var ownToken = await staff.TokenAsync("/companies") ?? throw new InvalidOperationException("no token");
        var failures = new List<string>();
        var forged = 0;
        var controlsChanged = 0;
        try
        {
            foreach (var handler in posts)
            {
                var ids = await fixture.NewIdsAsync(fixture.CompanyA);
                if (handler is { Page: "/WorkOrders/Detail", Name: "CheckOut" }) await fixture.CheckInAsync(ids.WorkOrderId);
                var n = fixture.Next();
                var login = handler.Page == "/Account/Login"
                    ? new Dictionary<string, string> { ["Username"] = SweepFixture.StaffUser, ["Password"] = PortalServer.Password, ["ReturnUrl"] = "" }
                    : null;
                var request = FormFiller.Build(handler, (_, kind) => ids[kind], n, login);
                var before = fixture.Server.Snapshot();
                foreach (var (label, token) in new[] { ("no token", (string?)null), ("another session's token", otherToken) })
                {
                    using var response = await staff.PostFormAsync(request.Path, request.Form, token: token, withFile: true);
                    forged++;
                    if (response.StatusCode != HttpStatusCode.BadRequest) failures.Add($"{request} with {label}: {(int)response.StatusCode}, expected 400");
                }

                var after = fixture.Server.Snapshot();
                if (after.ChangedSince(before) is { Count: > 0 } changed) failures.Add($"{request} without a valid token changed {string.Join(", ", changed)}");
                if (handler.Page == "/Account/Logout")
                {
                    using var still = await staff.GetAsync("/companies");
                    if (still.StatusCode != HttpStatusCode.OK) failures.Add($"{request} without a token signed the user out ({(int)still.StatusCode})");
                }

                // The control: the very same request with the session's own token is accepted and does its work.
                using var control = await staff.PostFormAsync(request.Path, request.Form, token: ownToken, withFile: true);
                var controlChanged = fixture.Server.Snapshot().ChangedSince(after);
                output.WriteLine($"{request}: forged 400/400, with token {(int)control.StatusCode}, changed [{string.Join(", ", controlChanged)}]");
                if (control.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
                {
                    failures.Add($"{request} with its token answered {(int)control.StatusCode}: the filled ids or values are not what the page accepts");
                }
                else if (controlChanged.Count == 0 && !ReadOnlyHandlers.Contains($"{handler.Page} {handler.Name}"))
                {
                    failures.Add($"{request} with its token changed nothing; the page said: {PortalSession.Messages(await control.Content.ReadAsStringAsync())}");
                }

                if (controlChanged.Count > 0) controlsChanged++;
                if (handler.Page == "/Account/Logout")
                {
                    staff.Dispose();
                    staff = await fixture.Server.LogInAsync(SweepFixture.StaffUser);
                    ownToken = await staff.TokenAsync("/companies") ?? throw new InvalidOperationException("no token");
                }
            }
        }
        finally
        {
            staff.Dispose();
        }

        ReliabilityLog.Record("Portal", "POST without a valid antiforgery token to every Razor Page handler, signed in, real ids (generated from the app)",
            forged, failures.Count,
            $"{posts.Count} handlers on {posts.Select(h => h.Page).Distinct().Count()} pages, each without a token and with another session's token: 400 and no change; " +
            $"the same posts with their own token accepted, {controlsChanged} of them changing data");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task EveryPortalPage_InTheBrowser_CarriesTheTokenInEveryPostForm()
    {
        var posts = fixture.Handlers.Where(h => h.Method == "POST").ToList();
        var covered = new HashSet<PortalHandler>();
        var forms = 0;
        var failures = new List<string>();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Server.BaseUrl.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        async Task CheckAsync(string path)
        {
            var response = await page.GotoAsync(path);
            if (response is null || response.Status != 200)
            {
                failures.Add($"GET {path}: {response?.Status}");
                return;
            }

            var found = await page.EvaluateAsync<JsonElement>("""
                () => Array.from(document.querySelectorAll('form'))
                    .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
                    .map(f => ({ action: f.action, token: (f.querySelector('input[type=hidden][name=__RequestVerificationToken]') || {}).value || '' }))
                """);
            foreach (var form in found.EnumerateArray())
            {
                forms++;
                var action = new Uri(form.GetProperty("action").GetString()!);
                if (form.GetProperty("token").GetString() is not { Length: > 20 }) failures.Add($"{path}: the form posting to {action.PathAndQuery} has no antiforgery field");
                if (Match(posts, action) is { } handler) covered.Add(handler);
                else failures.Add($"{path}: a form posts to {action.PathAndQuery}, which no handler of the app takes");
            }
        }

        await CheckAsync("/login");
        await PortalLogin.LogInAsync(page, SweepFixture.StaffUser, PortalServer.Password);

        var ids = await fixture.NewIdsAsync(fixture.CompanyA);
        // A named GET handler is not a page with forms: a file (the delivery log's ?handler=Csv) or a fragment (?handler=Live).
        foreach (var get in fixture.Handlers.Where(h => h.Method == "GET" && h.Page is not "/Account/Login" and not "/Error" && h.Name is null))
        {
            var path = FormFiller.Build(get, (_, kind) => ids[kind], 0).Path;
            await CheckAsync(path);
            // Forms that only show in a state of the page: adding, and editing one of its things.
            var pagePosts = posts.Where(p => p.Page == get.Page).ToList();
            if (pagePosts.Any(p => p.Fields.Any(f => f.Name == "Add"))) await CheckAsync(path + "?add=true");
            if (pagePosts.SelectMany(p => FormFiller.Ids(p)).FirstOrDefault(x => x.Field.Name == "id") is { Field: not null } edited)
            {
                await CheckAsync($"{path}?edit={ids[edited.Kind]}");
            }
        }

        // The check-out form shows only while a technician is on site (the work order's rules).
        var onSite = await fixture.NewIdsAsync(fixture.CompanyA);
        await fixture.CheckInAsync(onSite.WorkOrderId);

        await CheckAsync($"/companies/{fixture.CompanyA}/workorders/{onSite.WorkOrderId}");

        // A page with an optional route value ({id?}: the Webhooks tab's endpoint page) is also the page without it (the
        // endpoints overview: the Add form, an auto-disabled registration's Re-enable forms); and a paused endpoint shows Resume.
        foreach (var get in fixture.Handlers.Where(h => h.Method == "GET" && h.Name is null && h.Route.Contains("?}", StringComparison.Ordinal)))
        {
            var path = FormFiller.Build(get, (_, kind) => ids[kind], 0).Path;
            var without = path[..path.LastIndexOf('/')];
            await CheckAsync(without);
            await CheckAsync(without + "?add=true");
        }

        using (var staff = fixture.Server.StaffApi()) await staff.PostAsync($"/api/v1/webhooks/{ids.WebhookId}/pause", new { });
        await CheckAsync($"/companies/{ids.CompanyId}/webhooks/{ids.WebhookId}");

        var uncovered = posts.Where(p => !covered.Contains(p)).Select(p => p.ToString()).ToList();
        ReliabilityLog.Record("Portal", "POST forms rendered in Chromium carrying the __RequestVerificationToken field (every page, as staff)", forms, failures.Count,
            $"{forms} forms on {fixture.Handlers.Count(h => h.Method == "GET")} pages; {covered.Count} of {posts.Count} POST handlers reached by a rendered form");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(uncovered.Count == 0, "POST handlers no rendered form reached: " + string.Join(", ", uncovered));
    }

    /// <summary>The handler a form's action posts to: same route (ids filled in) and same handler name.</summary>
    private static PortalHandler? Match(IEnumerable<PortalHandler> posts, Uri action)
    {
        var handlerName = System.Web.HttpUtility.ParseQueryString(action.Query)["handler"];
        var segments = action.AbsolutePath.Trim('/').Split('/');
        return posts.FirstOrDefault(p =>
        {
            var route = p.Route.Trim('/').Split('/');
            // An optional last value ({id?}) may be left out of the path.
            if (route.Length == segments.Length + 1 && route[^1].EndsWith("?}", StringComparison.Ordinal)) route = route[..^1];
            return route.Length == segments.Length
                && route.Zip(segments).All(x => x.First.StartsWith('{') || string.Equals(x.First, x.Second, StringComparison.OrdinalIgnoreCase))
                && string.Equals(p.Name, handlerName, StringComparison.OrdinalIgnoreCase);
        });
    }
}
