using Microsoft.Playwright;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 16, points 6 and 9 in the browser: the Test button past the company's test send limit shows a message on the
/// Webhooks tab (not an error page), and a receiver on loopback (allowed by AllowedNetworks) shows its status, not its answer.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WebhookTestButtonPortalTests(PortalFixture fixture)
{
    private const string Area = "Hostile review, round two";

    private static async Task<ILocator> RegisterAsync(IPage page, long companyId, string url)
    {
        await page.GotoAsync($"/companies/{companyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("site created");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Webhook registration saved" })).ToBeVisibleAsync();
        return page.GetByTestId("registration").Filter(new() { HasText = url });
    }

    [Fact]
    public async Task TestButton_PastTheCompanysLimit_ShowsAMessageOnTheTab()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        // Globex: the other portal tests press Test only for Acme, so this company's allowance is this test's alone.
        var page = await fixture.LogInAsync(PortalFixture.OtherClientUser);
        var url = receiver.Url($"/limited-{Guid.NewGuid():N}").ToString();
        var registration = await RegisterAsync(page, fixture.OtherCompanyId, url);
        for (var i = 0; i < PortalFixture.TestSendsPerMinute; i++)
        {
            await registration.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("test-result")).ToContainTextAsync("HTTP 200");
        }

        var response = await page.RunAndWaitForResponseAsync(
            () => registration.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains("handler=Test", StringComparison.Ordinal));
        var alert = registration.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("Too many test sends");
        await Assertions.Expect(alert).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"try again in \d+ s"));
        // Still the registration's own page (issue 15: one page per endpoint), not an error page.
        await Assertions.Expect(registration.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("test-result")).ToHaveCountAsync(0);
        Assert.True(response.Status < 400, $"the page answered {response.Status}");
        Assert.Equal(PortalFixture.TestSendsPerMinute, receiver.Received.Count);
        await PortalFixture.ScreenshotAsync(page, "webhooks-test-limited");
        ReliabilityLog.Record(Area, $"the portal's Test button pressed past TestSendsPerMinute ({PortalFixture.TestSendsPerMinute}) in Chromium",
            tries: 1, lost: receiver.Received.Count - PortalFixture.TestSendsPerMinute, detail: "the Webhooks tab showed \"Too many test sends … try again in N s\"; nothing sent");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TestButton_ReceiverOnAllowedLoopback_ShowsTheStatusButNotTheAnswer()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var secret = "local-admin-secret-" + Guid.NewGuid().ToString("N");
        receiver.Respond = _ => Task.FromResult((200, $"<html>{secret}</html>"));
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var registration = await RegisterAsync(page, fixture.CompanyId, receiver.Url($"/local-{Guid.NewGuid():N}").ToString());

        await registration.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
        var result = page.GetByTestId("test-result");
        await Assertions.Expect(result).ToContainTextAsync("HTTP 200");
        await Assertions.Expect(result).ToContainTextAsync("not shown");
        var html = await page.ContentAsync();
        ReliabilityLog.Record(Area, "the portal's Test button against a loopback receiver allowed by AllowedNetworks, in Chromium",
            tries: 1, lost: html.Contains(secret, StringComparison.Ordinal) ? 1 : 0, detail: "HTTP 200 shown, the answer body not");
        Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
