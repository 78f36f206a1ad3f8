using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>The two screen sizes every portal page is tried at (issue 15).</summary>
public static class Viewports
{
    public static ViewportSize Desktop => new() { Width = 1366, Height = 900 };
    public static ViewportSize Phone => new() { Width = 390, Height = 844 };
}

/// <summary>The login form, as every portal test fills it.</summary>
public static class PortalLogin
{
    /// <summary>
    /// Fills and submits the login form of the page (on /login), then waits until the page it lands on is shown: its
    /// <c>main</c> attached. Not the load event: once in CI it never reached the client within 15 s although the
    /// network was idle (Playwright logged "NetworkIdle" event fired), and the pages themselves are checked by the tests.
    /// </summary>
    public static async Task SubmitAsync(IPage page, string userName, string password)
    {
        await page.GetByLabel("Username").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("main#main").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}

/// <summary>Checks any portal test can run on the page it is on: axe (every rule, any impact) and horizontal overflow.</summary>
public static class PageChecks
{
    /// <summary>Fails with every violation axe reports on the page as it is now: rule, impact, help and the first targets.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        Assert.True(result.Violations.Length == 0, $"axe on {page.Url}:\n{Describe(result.Violations)}");
    }

    /// <summary>Fails when the page is wider than the viewport (a table or a long value pushing the layout out).</summary>
    public static async Task AssertNoHorizontalOverflowAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{page.Url} is {widths[0]} px wide in a {widths[1]} px viewport");
    }

    public static string Describe(IEnumerable<AxeResultItem> violations) =>
        string.Join('\n', violations.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}"));
}
