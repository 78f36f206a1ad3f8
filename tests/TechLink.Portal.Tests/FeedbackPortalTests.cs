using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>The result of a posted action on the other pages (issue 15): in view, focused and announced, also on a phone.</summary>
[Collection(PortalCollection.Name)]
public sealed class FeedbackPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task SitesTab_OnAPhone_ErrorFocusedAtTheField_ThenTheResultInViewAndAnnounced()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Viewports.Phone);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/sites");
        var name = "Store " + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();

        // No time zone: the message in plain words next to the field, which has the focus; what was typed stays.
        var zone = page.GetByLabel("Time zone", new() { Exact = false });
        await Assertions.Expect(page.Locator("#site-timezone-error .field-error")).ToContainTextAsync("Enter a time zone");
        await Assertions.Expect(zone).ToBeFocusedAsync();
        await Assertions.Expect(zone).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        Assert.DoesNotContain("'timezone'", await page.Locator("#site-timezone-error").TextContentAsync() ?? "", StringComparison.Ordinal);

        await zone.FillAsync("America/Chicago");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();
        var status = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToContainTextAsync($"Site '{name}' created.");
        await Assertions.Expect(status).ToBeFocusedAsync();
        Assert.True(await status.EvaluateAsync<bool>("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"));
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.AssertNoHorizontalOverflowAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Header_OnAPhone_IsCompact_TabsInOneRow_AndTheBannerInsideTheBannerLandmark()
    {
        var page = await fixture.LogInAsync(PortalFixture.StaffUser, Viewports.Phone);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/workorders");
        var header = await page.Locator("header.site-header").BoundingBoxAsync();
        Assert.True(header!.Height <= 844 * 0.2, $"the header takes {header.Height} px of 844");
        await Assertions.Expect(page.GetByRole(AriaRole.Banner).GetByTestId("sandbox-banner")).ToBeVisibleAsync();
        var tops = await page.Locator(".tabs li").EvaluateAllAsync<double[]>("items => items.map(i => i.getBoundingClientRect().top)");
        Assert.Single(tops.Distinct());
        await Assertions.Expect(page.Locator(".tabs [aria-current=page]")).ToBeInViewportAsync();
        await PageChecks.AssertNoHorizontalOverflowAsync(page);
        await page.Context.CloseAsync();
    }
}
