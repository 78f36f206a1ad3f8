using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 15 in Chromium at 1366×900 and 390×844: the endpoints overview (health as a word and a colour, success rate,
/// last delivery, URLs that wrap), the endpoint page with every action and its result in view and announced, and the
/// registration form's errors; axe and the overflow check on every page.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WebhookDashboardPortalTests(PortalFixture fixture)
{
    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Overview_ShowsHealthAsAWordAndColour_AFailingEndpointIsNeverGreen(string viewport)
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = r => Task.FromResult(r.Path.StartsWith("/down", StringComparison.Ordinal) ? (500, "down") : (200, "ok"));
        var companyId = await WebhookDashboard.NewCompanyAsync(fixture, "Overview");
        var page = await fixture.LogInAsync(PortalFixture.StaffUser, WebhookDashboard.Viewport(viewport));
        // A long URL (1,500 characters) must wrap, never widen the page.
        var longUrl = receiver.Url("/up-" + new string('x', 1500)).ToString();
        var healthy = await WebhookDashboard.RegisterAsync(page, companyId, "site created", longUrl, "ERP in Frankfurt");
        var failing = await WebhookDashboard.RegisterAsync(page, companyId, "site created", receiver.Url("/down").ToString(), "Old CRM");
        await WebhookDashboard.CreateSiteAsync(page, companyId);

        await page.GotoAsync($"/companies/{companyId}/webhooks");
        var bad = page.Locator($"[data-testid=endpoint-row][data-webhook-id='{failing}']");
        var good = page.Locator($"[data-testid=endpoint-row][data-webhook-id='{healthy}']");
        await WebhookDashboard.ReloadUntilAsync(page, bad.GetByTestId("health-state"), "Failing", 45);
        await WebhookDashboard.ReloadUntilAsync(page, good.GetByTestId("health-state"), "Healthy");
        await Assertions.Expect(bad).ToContainTextAsync("Old CRM");
        await Assertions.Expect(bad.GetByTestId("health-state").Locator(".badge")).ToHaveClassAsync(new Regex(@"\bbad\b"));
        await Assertions.Expect(bad).Not.ToContainTextAsync("Enabled");
        await Assertions.Expect(bad.GetByTestId("success-rate")).ToContainTextAsync("0%");
        await Assertions.Expect(bad.GetByTestId("last-delivery")).ToContainTextAsync("failed");
        await Assertions.Expect(good.GetByTestId("health-state").Locator(".badge")).ToHaveClassAsync(new Regex(@"\bok\b"));
        await Assertions.Expect(good.GetByTestId("success-rate")).ToContainTextAsync("100%");
        await Assertions.Expect(good.GetByTestId("last-delivery")).ToContainTextAsync("succeeded");
        await Assertions.Expect(good.GetByTestId("last-delivery").Locator("time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Webhook endpoints" })).ToBeVisibleAsync();
        await WebhookDashboard.CheckAsync(page);
        await WebhookDashboard.DocsScreenshotAsync(page, $"portal-endpoints-{viewport}");

        // A new registration: "none yet", then a successful Test counts as its last delivery.
        var fresh = await WebhookDashboard.RegisterAsync(page, companyId, "site updated", receiver.Url("/fresh").ToString());
        var card = page.GetByTestId("registration");
        await Assertions.Expect(card.GetByTestId("last-delivery")).ToContainTextAsync("none yet");
        await card.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true }).ClickAsync();
        var result = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Delivered" });
        await Assertions.Expect(result).ToBeInViewportAsync();
        await Assertions.Expect(card.GetByTestId("last-delivery")).ToContainTextAsync("succeeded");
        await Assertions.Expect(card.GetByTestId("last-delivery")).ToContainTextAsync("(test)");
        await page.GotoAsync($"/companies/{companyId}/webhooks");
        await Assertions.Expect(page.Locator($"[data-testid=endpoint-row][data-webhook-id='{fresh}'] [data-testid=last-delivery]")).ToContainTextAsync("succeeded");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task EndpointPage_EveryActionsResultIsInViewAndAnnounced(string viewport)
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => Task.FromResult((500, "down for maintenance"));
        var companyId = await WebhookDashboard.NewCompanyAsync(fixture, "Endpoint");
        var page = await fixture.LogInAsync(PortalFixture.StaffUser, WebhookDashboard.Viewport(viewport));
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var id = await WebhookDashboard.RegisterAsync(page, companyId, "site created", receiver.Url("/endpoint").ToString(), "Warehouse");
        await WebhookDashboard.CreateSiteAsync(page, companyId);
        await page.GotoAsync($"/companies/{companyId}/webhooks/{id}");
        var card = page.GetByTestId("registration");
        await WebhookDashboard.ReloadUntilAsync(page, card.GetByTestId("health-badge"), "Failing", 45);
        await Assertions.Expect(page.Locator(".chart svg rect.failed").First).ToBeAttachedAsync();
        await Assertions.Expect(page.GetByTestId("recent-deliveries")).ToContainTextAsync("failed");
        await WebhookDashboard.CheckAsync(page);
        await WebhookDashboard.DocsScreenshotAsync(page, $"portal-endpoint-{viewport}");

        // Test against a failing receiver: an alert, at the top of the card, in view.
        await card.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true }).ClickAsync();
        var failed = page.GetByTestId("test-result");
        await Assertions.Expect(failed).ToHaveAttributeAsync("role", "alert");
        await Assertions.Expect(failed).ToContainTextAsync("HTTP 500");
        await Assertions.Expect(failed).ToBeInViewportAsync();
        await WebhookDashboard.CheckAsync(page);

        await card.GetByTestId("readiness-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("check-result")).ToHaveAttributeAsync("role", "alert");
        await Assertions.Expect(page.GetByTestId("check-result")).ToContainTextAsync("Not ready");
        await Assertions.Expect(page.GetByTestId("check-result")).ToBeInViewportAsync();
        await WebhookDashboard.CheckAsync(page);

        // Reveal: the whole secret shows (never clipped), Copy puts it on the clipboard, Hide takes it away.
        await card.GetByRole(AriaRole.Button, new() { Name = "Reveal signing secret" }).ClickAsync();
        var secret = page.GetByTestId("signing-secret");
        await Assertions.Expect(secret).ToContainTextAsync("whsec_");
        await Assertions.Expect(secret).ToBeInViewportAsync();
        Assert.True(await secret.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= window.innerWidth"), "the secret is clipped");
        await page.GetByTestId("copy-secret").ClickAsync();
        await Assertions.Expect(page.Locator("#secret-copied")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal((await secret.TextContentAsync())!.Trim(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await WebhookDashboard.CheckAsync(page);
        await page.GetByTestId("hide-secret").ClickAsync();
        await Assertions.Expect(page.GetByTestId("signing-secret")).ToHaveCountAsync(0);

        await card.Locator("summary", new() { HasText = "Rotate secret" }).ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Yes, rotate the signing secret" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signing-secret")).ToBeInViewportAsync();
        await Assertions.Expect(page.Locator("#secret-box")).ToContainTextAsync("previous secret also signs");

        await card.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration paused" })).ToBeInViewportAsync();
        await Assertions.Expect(card.GetByTestId("paused")).ToHaveTextAsync("Paused");
        await card.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration resumed" })).ToBeInViewportAsync();

        // Replay failed over a time range: the failed delivery of the site goes again.
        await card.GetByLabel("From").FillAsync(DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await card.GetByLabel("Until (optional)").FillAsync(DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await card.GetByRole(AriaRole.Button, new() { Name = "Replay failed" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "1 failed deliveries queued again" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("replay-progress")).ToBeInViewportAsync();

        // Edit: the description changes; Disable: the word says so; Delete asks first, then the overview says it is gone.
        await card.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await page.Locator("#edit").GetByLabel("Description").FillAsync("Warehouse (new)");
        await page.Locator("#edit").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Webhook registration saved" })).ToBeInViewportAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToContainTextAsync("Warehouse (new)");
        await card.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Assertions.Expect(card.GetByTestId("health-badge")).ToHaveTextAsync("Disabled");
        await WebhookDashboard.CheckAsync(page);
        await Assertions.Expect(card.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" })).Not.ToBeVisibleAsync();
        await card.Locator("summary", new() { HasText = "Delete" }).ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Yes, delete it" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Webhook registration deleted" })).ToBeInViewportAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/companies/{companyId}/webhooks$"));
        await Assertions.Expect(page.Locator($"[data-webhook-id='{id}']")).ToHaveCountAsync(0);
        Assert.Equal(404, (await page.GotoAsync($"/companies/{companyId}/webhooks/{id}"))!.Status);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task RegistrationForm_ErrorsInPlainWordsNextToTheField_FocusOnTheFirst_TypedValuesKept(string viewport)
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, WebhookDashboard.Viewport(viewport));
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        var tooLong = "https://hooks.example.com/" + new string('p', 2049 - "https://hooks.example.com/".Length);
        await section.GetByLabel("URL").FillAsync(tooLong);
        await section.GetByLabel("Token").FillAsync("typed-token-kept");
        await section.GetByLabel("Description").FillAsync("Typed description");
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        var typeError = page.Locator("#new-type-error .field-error");
        var urlError = page.Locator("#new-url-error .field-error");
        await Assertions.Expect(typeError).ToHaveTextAsync(new Regex("^Choose which events to send"));
        await Assertions.Expect(urlError).ToHaveTextAsync("This URL is too long: it may have at most 2,048 characters.");
        await Assertions.Expect(page.Locator("#new-registration")).Not.ToContainTextAsync("'url'");
        await Assertions.Expect(page.Locator("#new-registration")).Not.ToContainTextAsync("'type'");
        await Assertions.Expect(page.Locator("#new-type")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#new-url")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#new-token")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#new-type")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#new-url")).ToHaveValueAsync(tooLong);
        await Assertions.Expect(page.Locator("#new-token")).ToHaveValueAsync("typed-token-kept");
        await Assertions.Expect(page.Locator("#new-description")).ToHaveValueAsync("Typed description");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "not saved" })).ToBeInViewportAsync();
        await WebhookDashboard.CheckAsync(page);

        // A URL the API refuses for another reason is said in words too, not in the API's field name.
        await page.Locator("#new-type").SelectOptionAsync("site created");
        await page.Locator("#new-url").FillAsync("ftp://files.example.com/hook");
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(urlError).ToHaveTextAsync(new Regex("^The URL "));
        await Assertions.Expect(page.Locator("#new-url")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#new-token")).ToHaveValueAsync("typed-token-kept");
        await page.Context.CloseAsync();
    }
}
