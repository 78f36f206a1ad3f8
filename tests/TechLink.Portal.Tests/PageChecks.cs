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
    /// Fills and submits the login form of the page (on /login) and waits for the page the answer shows: the login page
    /// again with its message, or the page it led to. Waits for that document to commit and its <c>main</c> to be there,
    /// not for its load event: twice in CI, after a successful login, the load state never reached the client (30 s)
    /// although Playwright logged the network idle, and the pages themselves are checked by the tests that visit them.
    /// </summary>
    public static async Task SubmitAsync(IPage page, string userName, string password)
    {
        await page.GetByLabel("Username").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnNavigated(object? sender, IFrame frame)
        {
            if (frame == page.MainFrame) committed.TrySetResult();
        }

        page.FrameNavigated += OnNavigated;
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            try
            {
                await committed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"logging in as {userName}: no page came back within 30 s (still on {page.Url})");
            }
        }
        finally
        {
            page.FrameNavigated -= OnNavigated;
        }

        await page.Locator("main#main").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary><see cref="SubmitAsync"/> for a login that must succeed: fails at once, saying so, when it did not.</summary>
    public static async Task LogInAsync(IPage page, string userName, string password)
    {
        await SubmitAsync(page, userName, password);
        if (page.Url.Contains("/login", StringComparison.Ordinal)) throw new InvalidOperationException($"logging in as {userName} did not succeed: still on {page.Url}");
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
