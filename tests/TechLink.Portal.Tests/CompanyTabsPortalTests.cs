using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>The Users and Sites tabs write the same events as the API.</summary>
[Collection(PortalCollection.Name)]
public sealed class CompanyTabsPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task UsersTab_CreatingAnAccount_DeliversAccountCreated()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var url = fixture.Receiver.Url($"/accounts-{Guid.NewGuid():N}").ToString();
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("account created");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Company Details" }).GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        var username = "new.user." + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("Username").FillAsync("nora with spaces");
        await page.GetByLabel("First name").FillAsync("Nora");
        await page.GetByLabel("Last name").FillAsync("New");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(page.Locator("#user-username-error .field-error")).ToContainTextAsync("spaces");

        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("E-mail").FillAsync("nora@acme.example");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Nora-pass-123");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("users")).ToContainTextAsync(username);

        var received = await fixture.Receiver.WaitForAsync(1, TimeSpan.FromSeconds(20), r => r.Path == new Uri(url).AbsolutePath);
        Assert.Contains("\"event\":\"account created\"", received[0].Body, StringComparison.Ordinal);
        Assert.Contains($"\"username\":\"{username}\"", received[0].Body, StringComparison.Ordinal);
        await PortalFixture.ScreenshotAsync(page, "users-tab");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SitesTab_CreatesASite_AndRefusesAnUnknownTimeZoneNextToTheField()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/sites");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Store 204");
        await page.GetByLabel("Time zone", new() { Exact = false }).FillAsync("Mars/Olympus");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();
        await Assertions.Expect(page.Locator("#site-timezone-error .field-error")).ToContainTextAsync("IANA");
        await page.GetByLabel("Time zone", new() { Exact = false }).FillAsync("America/Chicago");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("Store 204");
        await page.Context.CloseAsync();
    }
}
