using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Companies;
using TechLink.Server.Data;

namespace TechLink.Portal.Tests;

/// <summary>What the webhook dashboard tests share: a company of their own, registrations and events made in the portal, screenshots for docs/.</summary>
internal static partial class WebhookDashboard
{
    /// <summary>A company of the test's own: its test-send allowance and its lists are not shared with other tests.</summary>
    public static async Task<long> NewCompanyAsync(PortalFixture fixture, string name)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var now = DateTime.UtcNow;
        var company = new Company { Name = name + " " + Guid.NewGuid().ToString("N")[..6], CreatedAt = now, UpdatedAt = now };
        db.Companies.Add(company);
        await db.SaveChangesAsync();
        return company.Id;
    }

    /// <summary>Adds a registration with the overview's form; answers its id, read from the endpoint page it lands on.</summary>
    public static async Task<string> RegisterAsync(IPage page, long companyId, string type, string url, string? description = null)
    {
        await page.GotoAsync($"/companies/{companyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync(type);
        await section.GetByLabel("URL").FillAsync(url);
        if (description is not null) await section.GetByLabel("Description").FillAsync(description);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.WaitForURLAsync(new Regex($"/companies/{companyId}/webhooks/\\d+"));
        return EndpointId().Match(page.Url).Groups[1].Value;
    }

    /// <summary>A site made on the Sites tab: one "site created" event for the company's registrations.</summary>
    public static async Task CreateSiteAsync(IPage page, long companyId)
    {
        await page.GotoAsync($"/companies/{companyId}/sites");
        var name = "Store " + Guid.NewGuid().ToString("N")[..4];
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Time zone", new() { Exact = false }).FillAsync("America/Chicago");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync(name);
    }

    /// <summary>Reloads until the locator shows the text (the engine works in the background), at most <paramref name="seconds"/>.</summary>
    public static async Task ReloadUntilAsync(IPage page, ILocator locator, string text, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!(await locator.AllTextContentsAsync()).Any(t => t.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{page.Url} never showed \"{text}\"");
            await Task.Delay(200);
            await page.ReloadAsync();
        }
    }

    /// <summary>axe (any impact) and no horizontal overflow: every page of the dashboard, at every viewport.</summary>
    public static async Task CheckAsync(IPage page)
    {
        await PageChecks.AssertAccessibleAsync(page);
        var wide = await page.EvaluateAsync<string[]>(
            "() => { const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };"
            + " return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && !scrolls(e))"
            + ".slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ': ' + (e.textContent || '').slice(0, 60)); }");
        Assert.True(wide.Length == 0, $"{page.Url}: wider than the viewport:\n{string.Join('\n', wide)}");
        await PageChecks.AssertNoHorizontalOverflowAsync(page);
    }

    /// <summary>The first screen of the page, kept under docs/ for the README (issue 15's screenshots).</summary>
    public static async Task DocsScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(PortalFixture.ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TechLink.slnx"))) dir = dir.Parent;
        if (dir is not null) File.Copy(path, Path.Combine(dir.FullName, "docs", name + ".png"), overwrite: true);
    }

    public static ViewportSize Viewport(string name) => name == "phone" ? Viewports.Phone : Viewports.Desktop;

    [GeneratedRegex(@"/webhooks/(\d+)")]
    private static partial Regex EndpointId();
}
