using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>The spec's path, as a newcomer walks it: log in, Company Details, Webhooks, Add New Webhook Registration, Test, and a real event.</summary>
[Collection(PortalCollection.Name)]
public sealed class WebhooksPortalTests(PortalFixture fixture)
{
    private static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Newcomer_RegistersTestsAndReceivesWebhook_AllFromThePortal()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var url = fixture.Receiver.Url($"/acme-hook-{Guid.NewGuid():N}").ToString();

        // "log into the portal and go to your Company Details page"
        await page.GetByRole(AriaRole.Link, new() { Name = "Company Details" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Company Details" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("sandbox-banner")).ToContainTextAsync("SANDBOX");
        await Assertions.Expect(page.GetByTestId("environment")).ToContainTextAsync("https://sandbox.techlinksvc.net/");

        // "Open the Webhooks tab. From there, select Add New Webhook Registration."
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Company Details" }).GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhooks", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Add New Webhook Registration" }).ClickAsync();

        // "A new registration section will appear" with Type, URL, Token and Enabled.
        var section = page.Locator("#new-registration");
        await Assertions.Expect(section).ToBeVisibleAsync();
        await Assertions.Expect(section.GetByLabel("Enabled")).ToBeCheckedAsync();
        var types = await section.GetByLabel("Type", new() { Exact = true }).Locator("option").AllTextContentsAsync();
        Assert.Contains("(all current webhooks)", types);
        Assert.Contains("(any webhooks)", types);
        Assert.Contains("work order note added", types);
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("(any webhooks)");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByLabel("Token").FillAsync("acme-token-2026");
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Webhook registration saved" })).ToBeVisibleAsync();
        var registration = page.GetByTestId("registration").Filter(new() { HasText = url });
        await Assertions.Expect(registration).ToContainTextAsync("(any webhooks)");
        await Assertions.Expect(registration).ToContainTextAsync("***********2026");
        await Assertions.Expect(registration).Not.ToContainTextAsync("acme-token-2026");

        // "you can also test webhooks from the portal UI; follow the instructions displayed on the page."
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Testing your webhooks" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#testing")).ToContainTextAsync("techlink listen --port 4000 --secret whsec_");
        await registration.GetByLabel("Event type to send").SelectOptionAsync("work order status change");
        await registration.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
        var result = page.GetByTestId("test-result");
        await Assertions.Expect(result).ToContainTextAsync("HTTP 200");
        await Assertions.Expect(result).ToContainTextAsync("Delivered");
        await Assertions.Expect(result).ToContainTextAsync(new Regex(@"\d+ ms"));
        var tested = await fixture.Receiver.WaitForAsync(1, DeliveryWait, r => r.Path == new Uri(url).AbsolutePath);
        Assert.Equal("acme-token-2026", tested[0].Headers["x-token"]);
        Assert.StartsWith("v1,", tested[0].Headers["webhook-signature"], StringComparison.Ordinal);
        Assert.Contains("\"event\":\"work order status change\"", tested[0].Body, StringComparison.Ordinal);
        await PortalFixture.ScreenshotAsync(page, "webhooks-tab-tested");
        CopyToDocs("webhooks-tab-tested");

        // The secret can be revealed to verify signatures.
        await registration.GetByRole(AriaRole.Button, new() { Name = "Reveal signing secret" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signing-secret")).ToContainTextAsync("whsec_");

        // A real change made in the UI: a note on a work order, delivered by the dispatcher and shown in the log.
        await page.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{fixture.WorkOrderId}");
        await page.GetByLabel("Note", new() { Exact = true }).FillAsync("Loading dock opens at <b>7am</b>.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("note").Last).ToContainTextAsync("Loading dock opens at 7am.");
        var noted = await fixture.Receiver.WaitForAsync(1, DeliveryWait,
            r => r.Path == new Uri(url).AbsolutePath && r.Body.Contains("\"event\":\"work order note added\"", StringComparison.Ordinal));
        Assert.Equal("acme-token-2026", noted[0].Headers["x-token"]);

        await page.GotoAsync($"/companies/{fixture.CompanyId}/deliveries?event=work+order+note+added&status=succeeded");
        await Assertions.Expect(page.GetByTestId("delivery-row").First).ToContainTextAsync("succeeded", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator(".chart svg rect.delivered").First).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "delivery-log");

        // Each delivery shows what was sent, and can be sent again.
        await page.GetByTestId("delivery-row").First.GetByRole(AriaRole.Link).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("payload")).ToContainTextAsync("work order note added");
        await Assertions.Expect(page.GetByTestId("request-headers").Last).ToContainTextAsync("webhook-signature: v1,");
        var before = fixture.Receiver.Received.Count(r => r.Path == new Uri(url).AbsolutePath);
        await page.GetByRole(AriaRole.Button, new() { Name = "Redeliver" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Redelivery" })).ToBeVisibleAsync();
        await fixture.Receiver.WaitForAsync(before + 1, DeliveryWait, r => r.Path == new Uri(url).AbsolutePath);

        // Back on the Webhooks tab (the endpoints overview), the registration's row shows its last delivery and success rate.
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks");
        await Assertions.Expect(page.GetByTestId("endpoint-row").Filter(new() { HasText = url }).GetByTestId("last-delivery")).ToContainTextAsync(new Regex("succeeded|pending"));
        await PortalFixture.ScreenshotAsync(page, "webhooks-tab");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AddRegistration_WithInvalidUrl_ShowsTheApiErrorNextToTheField()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks?add=true");
        var section = page.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("site created");
        // type=url would stop the browser itself; the server must refuse an ftp URL too.
        await section.GetByLabel("URL").FillAsync("ftp://files.example.com/hook");
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("#new-url-error .field-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#new-url")).ToHaveAttributeAsync("aria-describedby", new Regex("new-url-error"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Staff_ChangesStatus_TimelineShowsItAndTheEventIsDelivered()
    {
        var client = await fixture.LogInAsync(PortalFixture.ClientUser);
        var url = fixture.Receiver.Url($"/status-{Guid.NewGuid():N}").ToString();
        await client.GotoAsync($"/companies/{fixture.CompanyId}/webhooks?add=true");
        var section = client.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("work order status change");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await client.Context.CloseAsync();

        var staff = await fixture.LogInAsync(PortalFixture.StaffUser);
        await staff.GetByLabel("Company", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Acme Retail" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Switch" }).ClickAsync();
        await Assertions.Expect(staff.GetByRole(AriaRole.Heading, new() { Name = "Company Details" })).ToBeVisibleAsync();
        await staff.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{fixture.WorkOrderId}");
        await staff.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("20");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Assertions.Expect(staff.GetByTestId("wo-status")).ToContainTextAsync("20 Open");
        await Assertions.Expect(staff.GetByTestId("timeline")).ToContainTextAsync("20 Open");
        var received = await fixture.Receiver.WaitForAsync(1, DeliveryWait, r => r.Path == new Uri(url).AbsolutePath);
        Assert.Contains("\"new_status_code\":\"20\"", received[0].Body, StringComparison.Ordinal);
        await PortalFixture.ScreenshotAsync(staff, "workorder-staff");
        await staff.Context.CloseAsync();
    }

    [Fact]
    public async Task Staff_UploadsAPhotoFromTheWorkOrderPage_ItIsShownAndDelivered()
    {
        var client = await fixture.LogInAsync(PortalFixture.ClientUser);
        var url = fixture.Receiver.Url($"/photos-{Guid.NewGuid():N}").ToString();
        await client.GotoAsync($"/companies/{fixture.CompanyId}/webhooks?add=true");
        var section = client.Locator("#new-registration");
        await section.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("work order photo added");
        await section.GetByLabel("URL").FillAsync(url);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await client.Context.CloseAsync();

        // The form's body is read by the antiforgery check before the upload handler runs: the file must still arrive.
        var staff = await fixture.LogInAsync(PortalFixture.StaffUser);
        await staff.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{fixture.WorkOrderId}");
        var caption = "Rack " + Guid.NewGuid().ToString("N")[..6];
        await staff.GetByLabel("Photo", new() { Exact = true }).SetInputFilesAsync(new FilePayload
        {
            Name = "rack.png", MimeType = "image/png",
            Buffer = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
        });
        await staff.GetByLabel("Caption").FillAsync(caption);
        await staff.GetByRole(AriaRole.Button, new() { Name = "Upload photo" }).ClickAsync();
        await Assertions.Expect(staff.GetByRole(AriaRole.Status).Filter(new() { HasText = "Photo added" })).ToBeVisibleAsync();
        await Assertions.Expect(staff.GetByRole(AriaRole.Img, new() { Name = caption })).ToBeVisibleAsync();
        var received = await fixture.Receiver.WaitForAsync(1, DeliveryWait, r => r.Path == new Uri(url).AbsolutePath);
        Assert.Contains(caption, received[0].Body, StringComparison.Ordinal);
        await staff.Context.CloseAsync();
    }

    private static void CopyToDocs(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TechLink.slnx"))) dir = dir.Parent;
        if (dir is null) return;
        Directory.CreateDirectory(Path.Combine(dir.FullName, "docs"));
        File.Copy(Path.Combine(PortalFixture.ScreenshotDirectory, name + ".png"), Path.Combine(dir.FullName, "docs", "portal-webhooks.png"), overwrite: true);
    }
}
