using Microsoft.Playwright;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 16, point 7, in Chromium: every portal page and the API reference carry a Content-Security-Policy that forbids
/// framing and inline script, nosniff and a Referrer-Policy, and still work under it (no violation is reported).
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SecurityHeadersPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task PortalPagesAndDocs_CarryThePolicies_AndRunWithoutViolations()
    {
        var page = await fixture.LogInAsync(PortalFixture.StaffUser);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) lock (violations) violations.Add(message.Text);
        };
        var paths = new[]
        {
            "/portal", "/companies", $"/companies/{fixture.CompanyId}", $"/companies/{fixture.CompanyId}/webhooks",
            $"/companies/{fixture.CompanyId}/deliveries", $"/companies/{fixture.CompanyId}/workorders/{fixture.WorkOrderId}", "/docs/",
        };
        var wrong = new List<string>();
        foreach (var path in paths)
        {
            var response = await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var headers = await response!.AllHeadersAsync();
            var csp = headers.GetValueOrDefault("content-security-policy") ?? "";
            var scripts = Directive(csp, "script-src");
            if (!csp.Contains("frame-ancestors 'none'", StringComparison.Ordinal)) wrong.Add($"{path}: CSP without frame-ancestors 'none': '{csp}'");
            if (path != "/docs/" && (scripts is null || scripts.Contains("'unsafe-inline'", StringComparison.Ordinal))) wrong.Add($"{path}: script-src '{scripts}'");
            if (headers.GetValueOrDefault("x-content-type-options") != "nosniff") wrong.Add($"{path}: no nosniff");
            if (string.IsNullOrEmpty(headers.GetValueOrDefault("referrer-policy"))) wrong.Add($"{path}: no Referrer-Policy");
        }

        // The API reference really renders under its policy (Scalar builds the page with script).
        await Assertions.Expect(page.GetByText("TechLink Services API").First).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        ReliabilityLog.Record("Hostile review, round two", "Portal pages and /docs in Chromium: CSP (frame-ancestors 'none', no inline script), nosniff, Referrer-Policy",
            paths.Length, wrong.Count + violations.Count, string.Join("; ", wrong.Concat(violations)));
        Assert.Empty(wrong);
        Assert.Empty(violations);
    }

    [Fact]
    public async Task PortalPage_InAFrameOfAnotherSite_IsNotShown()
    {
        await using var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        // A page of another origin (the loopback receiver's) that frames the portal's login page.
        await page.RouteAsync(fixture.Receiver.Url("/frame").ToString(), route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"<!doctype html><iframe id=\"f\" src=\"{fixture.BaseUrl}login\" width=\"800\" height=\"600\"></iframe>",
        }));
        await page.GotoAsync(fixture.Receiver.Url("/frame").ToString());
        var frame = page.Frames.FirstOrDefault(f => f.Url.StartsWith(fixture.BaseUrl.ToString(), StringComparison.Ordinal));
        var shown = frame is not null && await frame.GetByRole(AriaRole.Button, new() { Name = "Log in" }).CountAsync() > 0;
        Assert.False(shown, "the login form rendered inside another site's frame");
    }

    private static string? Directive(string csp, string name) =>
        csp.Split(';', StringSplitOptions.TrimEntries).FirstOrDefault(d => d.StartsWith(name + " ", StringComparison.Ordinal));
}
