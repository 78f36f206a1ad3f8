using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>The API reference (/docs, Scalar): served by us alone, with system fonts and without the vendor's buttons.</summary>
[Collection(PortalCollection.Name)]
public sealed class ApiDocsPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task DocsPage_LoadsNothingFromElsewhere_AndShowsNoVendorButtons()
    {
        await using var context = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.BaseUrl.ToString(), ViewportSize = Viewports.Desktop });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        var blocked = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) blocked.Add(m.Text); };

        var response = await page.GotoAsync("/docs");
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.GetByText("TechLink Services API").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var elsewhere = requests.Where(u => u.StartsWith("http", StringComparison.Ordinal) && new Uri(u).Host != fixture.BaseUrl.Host).ToList();
        Assert.True(elsewhere.Count == 0, "requests elsewhere: " + string.Join(", ", elsewhere));
        Assert.True(blocked.Count == 0, "blocked by the CSP: " + string.Join(" | ", blocked));
        Assert.DoesNotContain(requests, u => u.Contains("font", StringComparison.OrdinalIgnoreCase) && !u.StartsWith(fixture.BaseUrl.ToString(), StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("a[href*='scalar.com']").First).Not.ToBeVisibleAsync();
        foreach (var vendor in new[] { "Open API Client", "Ask AI", "Powered by Scalar", "Generate MCP" })
        {
            var shown = await page.GetByText(vendor, new() { Exact = false }).EvaluateAllAsync<int>("els => els.filter(e => e.getClientRects().length > 0).length");
            Assert.True(shown == 0, $"'{vendor}' is shown");
        }

        var fonts = await page.EvaluateAsync<string[]>("() => Array.from(document.fonts).map(f => f.family)");
        Assert.DoesNotContain(fonts, f => f.Contains("Inter", StringComparison.Ordinal) || f.Contains("JetBrains", StringComparison.Ordinal));
        await PortalFixture.ScreenshotAsync(page, "api-docs");
    }
}
