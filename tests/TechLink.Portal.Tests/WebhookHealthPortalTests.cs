using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 14 in the browser: the Readiness check button shows its table; a registration disabled automatically puts a
/// banner on the company's pages, and one click on Re-enable clears it.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WebhookHealthPortalTests(PortalFixture fixture)
{
    /// <summary>A company of this test's own, so its test-send allowance is not shared with the other portal tests.</summary>
    private async Task<long> NewCompanyAsync()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var now = DateTime.UtcNow;
        var company = new Company { Name = "Health " + Guid.NewGuid().ToString("N")[..6], CreatedAt = now, UpdatedAt = now };
        db.Companies.Add(company);
        await db.SaveChangesAsync();
        return company.Id;
    }

    [Fact]
    public async Task ReadinessCheckAndAutoDisabledBanner_ShownAndReEnableClearsIt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var companyId = await NewCompanyAsync();
        var page = await fixture.LogInAsync(PortalFixture.StaffUser);
        var url = receiver.Url($"/health-{Guid.NewGuid():N}").ToString();
        await page.GotoAsync($"/companies/{companyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("site created");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        var registration = page.GetByTestId("registration").Filter(new() { HasText = url });
        await Assertions.Expect(registration.GetByTestId("health")).ToContainTextAsync("unknown");

        await registration.GetByTestId("readiness-check").ClickAsync();
        var check = page.GetByTestId("check-result");
        await Assertions.Expect(check).ToContainTextAsync("Ready");
        await Assertions.Expect(check.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(check).ToContainTextAsync("site created");
        await Assertions.Expect(check).ToContainTextAsync("(duplicate of the first)");
        Assert.Equal(2, receiver.Received.Count);
        // The check's sends are in the log: the card's last delivery shows the (successful) test.
        await Assertions.Expect(page.GetByTestId("registration").Filter(new() { HasText = url }).GetByTestId("last-delivery")).ToContainTextAsync("succeeded");

        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            await db.WebhookRegistrations.Where(r => r.CompanyId == companyId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Enabled, false)
                .SetProperty(r => r.DisabledReason, "Disabled automatically: the last 20 deliveries all failed, the oldest of them created 2026-11-30T09:00:00Z.")
                .SetProperty(r => r.DisabledAt, new DateTime(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc)));
        }

        await page.GotoAsync($"/companies/{companyId}");
        var banner = page.GetByTestId("disabled-banner");
        await Assertions.Expect(banner).ToContainTextAsync("last 20 deliveries all failed");
        await Assertions.Expect(banner).ToContainTextAsync("2026-12-01T09:00:00Z");
        await banner.GetByRole(AriaRole.Link, new() { Name = "Re-enable it on the Webhooks page" }).ClickAsync();
        await page.GetByTestId("re-enable").ClickAsync();
        await Assertions.Expect(page.GetByTestId("disabled-banner")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("registration").Filter(new() { HasText = url })).ToContainTextAsync("Enabled");
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            var r = await db.WebhookRegistrations.AsNoTracking().SingleAsync(x => x.CompanyId == companyId);
            Assert.True(r.Enabled);
            Assert.Null(r.DisabledReason);
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AutoDisabled_ReEnableAndReplay_OneClickSendsWhatItMissed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var companyId = await NewCompanyAsync();
        var page = await fixture.LogInAsync(PortalFixture.StaffUser);
        var url = receiver.Url($"/missed-{Guid.NewGuid():N}").ToString();
        await page.GotoAsync($"/companies/{companyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("site created");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("registration").Filter(new() { HasText = url })).ToHaveCountAsync(1);

        // Disabled automatically a minute ago; then an event happened that it never got (no delivery was queued for it).
        var disabledAt = DateTime.UtcNow.AddMinutes(-1);
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            await db.WebhookRegistrations.Where(r => r.CompanyId == companyId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Enabled, false)
                .SetProperty(r => r.DisabledReason, "Disabled automatically: the last 20 deliveries all failed.")
                .SetProperty(r => r.DisabledAt, disabledAt));
            db.Events.Add(new TechLink.Delivery.Model.OutboxMessage
            {
                TenantId = companyId, EventType = "site created", SubjectKey = "site:424242", CreatedAt = DateTime.UtcNow,
                Payload = """{"event":"site created","data":{"site_id":"424242"}}""",
            });
            await db.SaveChangesAsync();
        }

        await page.GotoAsync($"/companies/{companyId}/webhooks");
        await page.GetByTestId("re-enable-and-replay").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration enabled. Replay" })).ToContainTextAsync("1 events since");
        await Assertions.Expect(page.GetByTestId("disabled-banner")).ToHaveCountAsync(0);
        var received = await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30));
        Assert.Contains("424242", received[0].Body, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
