using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// Every GET page of the portal, read from the app's route table (so a page added later is swept or fails), visited in
/// Chromium as staff and as a client at 1366×900 and 390×844: axe with no violation of any impact and no horizontal
/// overflow, plus the pages that only show in a state (adding, editing, a work order with a technician on site) and the
/// 404 page.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PageSweepPortalTests(PortalFixture browser, SweepFixture fixture, ITestOutputHelper output)
{
    public static TheoryData<string, string> Visitors => new()
    {
        { SweepFixture.StaffUser, "desktop" }, { SweepFixture.StaffUser, "phone" },
        { SweepFixture.ClientA, "desktop" }, { SweepFixture.ClientA, "phone" },
    };

    [Theory]
    [MemberData(nameof(Visitors))]
    public async Task EveryGetPage_AxeFindsNothing_AndNothingIsWiderThanTheScreen(string user, string size)
    {
        var viewport = size == "phone" ? Viewports.Phone : Viewports.Desktop;
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Server.BaseUrl.ToString(), ViewportSize = viewport });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        var failures = new List<string>();
        var visited = 0;

        async Task CheckAsync(string path, int expectedStatus = 200)
        {
            var response = await page.GotoAsync(path);
            visited++;
            if (response is null || response.Status != expectedStatus)
            {
                failures.Add($"GET {path}: {response?.Status}, expected {expectedStatus}");
                return;
            }

            var axe = await page.RunAxe();
            if (axe.Violations.Length > 0) failures.Add($"axe on {path} ({size}):\n{PageChecks.Describe(axe.Violations)}");
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            if (widths[0] > widths[1]) failures.Add($"{path} ({size}) is {widths[0]} px wide in a {widths[1]} px viewport");
            output.WriteLine($"{path} ({size}): {axe.Violations.Length} violations, {widths[0]} px");
        }

        await CheckAsync("/login");
        await PortalLogin.LogInAsync(page, user, PortalServer.Password);

        var ids = await fixture.NewIdsAsync(fixture.CompanyA);
        // A named GET handler is a file (the delivery log's ?handler=Csv) or a fragment (?handler=Live), not a page.
        var pages = fixture.Handlers.Where(h => h.Method == "GET" && h.Page != "/Account/Login" && h.Name is null).ToList();
        foreach (var get in pages)
        {
            var path = FormFiller.Build(get, (_, kind) => ids[kind], 0).Path;
            await CheckAsync(path, get.Page == "/Error" ? 404 : 200);
            // A page with an optional last route value ({id?}: the Webhooks tab's endpoint page) is also the page without it.
            if (get.Route.EndsWith("?}", StringComparison.Ordinal)) await CheckAsync(path[..path.LastIndexOf('/')]);
            var posts = fixture.Handlers.Where(p => p.Method == "POST" && p.Page == get.Page).ToList();
            if (posts.Any(p => p.Fields.Any(f => f.Name == "Add"))) await CheckAsync(path + "?add=true");
            if (posts.SelectMany(FormFiller.Ids).FirstOrDefault(x => x.Field.Name == "id") is { Field: not null } edited) await CheckAsync($"{path}?edit={ids[edited.Kind]}");
        }

        // A work order with a technician on site shows the check-out form; one of another company and a missing one the 404 page.
        var onSite = await fixture.NewIdsAsync(fixture.CompanyA);
        await fixture.CheckInAsync(onSite.WorkOrderId);

        await CheckAsync($"/companies/{fixture.CompanyA}/workorders/{onSite.WorkOrderId}");
        await CheckAsync($"/companies/{fixture.CompanyA}/workorders/999999999", 404);
        // Another company's work order: the 404 page for a client, the page itself for staff (who see every company).
        await CheckAsync($"/companies/{fixture.CompanyB}/workorders/{fixture.B.WorkOrderId}", user == SweepFixture.StaffUser ? 200 : 404);
        await CheckAsync("/no-such-page", 404);

        ReliabilityLog.Record("Portal", $"every GET page in Chromium with axe (any impact) and the overflow check, as {(user == SweepFixture.StaffUser ? "staff" : "a client")} at {viewport.Width}×{viewport.Height}",
            visited, failures.Count, $"{pages.Count} GET pages from the route table, their add/edit states, a work order on site and the 404 page");
        Assert.True(visited > pages.Count, $"only {visited} pages visited");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
