using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Data;

namespace TechLink.Portal.Tests;

/// <summary>Issue 17, point 6: the Activity tab lists the company's audit trail; a change made in the portal is recorded once, by its user.</summary>
[Collection(PortalCollection.Name)]
public sealed class ActivityPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task ActivityTab_ShowsAPortalChangeOnceWithItsUser_AndNothingOfAnotherCompany()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var name = "Store " + Guid.NewGuid().ToString("N")[..8];
        await page.GotoAsync($"/companies/{fixture.CompanyId}/sites");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Time zone", new() { Exact = false }).FillAsync("America/Chicago");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create site" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync(name);

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Company Details" }).GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Activity", Exact = true })).ToBeVisibleAsync();
        var row = page.GetByTestId("activity-row").Filter(new() { HasText = name });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("site.created");
        await Assertions.Expect(row).ToContainTextAsync($"({PortalFixture.ClientUser})");
        await Assertions.Expect(row).ToContainTextAsync("user:");

        // Once in the database too (the page calls the API's handler, which audits; the page does not again).
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            var entries = await db.AuditEntries.Where(a => a.Action == "site.created" && a.Changes!.Contains(name)).ToListAsync();
            var entry = Assert.Single(entries);
            Assert.Equal(fixture.CompanyId, entry.CompanyId);
        }

        await Assertions.Expect(page.GetByTestId("activity")).Not.ToContainTextAsync(PortalFixture.OtherClientUser);
        var foreign = await page.GotoAsync($"/companies/{fixture.OtherCompanyId}/activity");
        Assert.Equal(404, foreign!.Status);
        await page.Context.CloseAsync();
    }
}
