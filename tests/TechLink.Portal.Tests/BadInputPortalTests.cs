using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Data;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// The schedule form in Chromium with a site-local time whose instant the server cannot hold (after 9999-12-31 or
/// before 0001-01-01 UTC once the site's offset applies): the page comes back with the error next to the field, not a 500.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class BadInputPortalTests(PortalFixture fixture)
{
    [Theory]
    [InlineData("America/Los_Angeles", "9999-12-31 23:59:59")]
    [InlineData("Europe/Berlin", "0001-01-01 00:00:00")]
    public async Task ScheduleForm_StartWhoseInstantIsOutOfRange_ShowsTheErrorAtStart(string timezone, string start)
    {
        var workOrder = await WorkOrderAtAsync(timezone);
        var page = await fixture.LogInAsync(PortalFixture.StaffUser);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{workOrder}");
        await page.GetByLabel("Install time (site-local)").FillAsync(start);

        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Schedule", Exact = true }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains("handler=Schedule", StringComparison.Ordinal));

        ReliabilityLog.Record("Hostile review, round two", $"portal schedule form in Chromium with a start out of range once converted to UTC ({start}, {timezone}, SQLite)",
            1, answer.Status >= 500 ? 1 : 0, $"answered {answer.Status}");
        Assert.Equal(200, answer.Status);
        await Assertions.Expect(page.Locator("#schedule-error .field-error")).ToContainTextAsync("The install time"); // in plain words, not the API's 'start'
        await Assertions.Expect(page.Locator("dd", new() { HasText = start })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    /// <summary>A work order of the fixture's client company on a site of its own in <paramref name="timezone"/>.</summary>
    private async Task<long> WorkOrderAtAsync(string timezone)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var now = DateTime.UtcNow;
        var site = new Site { CompanyId = fixture.CompanyId, Name = "Store in " + timezone, TimeZone = timezone, CreatedAt = now, UpdatedAt = now };
        db.Sites.Add(site);
        await db.SaveChangesAsync();
        var workOrder = new WorkOrder { CompanyId = fixture.CompanyId, SiteId = site.Id, Title = "Far-off install", CreatedAt = now, UpdatedAt = now };
        db.WorkOrders.Add(workOrder);
        await db.SaveChangesAsync();
        return workOrder.Id;
    }
}
