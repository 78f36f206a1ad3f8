using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>Pause, Resume and "Replay failed" on the company's webhooks page, in Chromium.</summary>
[Collection(PortalCollection.Name)]
public sealed class WebhookOperationsPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task PauseResumeAndReplayFailed_FromTheWebhooksPage()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var url = fixture.Receiver.Url($"/ops-hook-{Guid.NewGuid():N}").ToString();
        await page.GotoAsync(new Uri(fixture.BaseUrl, $"/companies/{fixture.CompanyId}/webhooks?add=true").ToString());
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("site created");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        var registration = page.GetByTestId("registration").Filter(new() { HasText = url });
        await Assertions.Expect(registration).ToBeVisibleAsync();
        await Assertions.Expect(registration.GetByTestId("paused")).ToHaveCountAsync(0);

        await registration.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration paused" })).ToBeVisibleAsync();
        await Assertions.Expect(registration.GetByTestId("paused")).ToHaveTextAsync("Paused");

        await registration.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration resumed" })).ToBeVisibleAsync();
        await Assertions.Expect(registration.GetByTestId("paused")).ToHaveCountAsync(0);
        await Assertions.Expect(registration.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true })).ToBeVisibleAsync();

        // Nothing failed yet: the replay queues nothing and says so, with its progress.
        await registration.GetByLabel("From").FillAsync("2026-01-01T00:00");
        await registration.GetByRole(AriaRole.Button, new() { Name = "Replay failed" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "0 failed deliveries queued again" })).ToBeVisibleAsync();
        await Assertions.Expect(registration.GetByTestId("replay-progress")).ToContainTextAsync("0 of 0 sent");
    }
}
