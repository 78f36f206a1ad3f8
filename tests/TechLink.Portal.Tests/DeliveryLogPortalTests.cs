using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Issue 15's delivery log in Chromium at 1366×900 and 390×844: filters (time range, retrying, status code, event,
/// work order, webhook-id), test sends on request, CSV export, relative times, the live view, the event-centric view,
/// attempt detail with headers as sent and received, and Retry now; axe and the overflow check on every page.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class DeliveryLogPortalTests(PortalFixture fixture)
{
    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task DeliveryLog_IsASearchTool_WithLiveRowsCsvEventAndAttemptViews(string viewport)
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        // "/slow": 503 with Retry-After 600 s, so its delivery stays pending after a failed attempt (retrying) for the test.
        receiver.Respond = r => Task.FromResult(r.Path.StartsWith("/slow", StringComparison.Ordinal) ? (503, "busy") : (200, "ok"));
        receiver.ResponseHeaders = r => r.Path.StartsWith("/slow", StringComparison.Ordinal) ? new Dictionary<string, string> { ["Retry-After"] = "600" } : null;
        var companyId = await WebhookDashboard.NewCompanyAsync(fixture, "Log");
        var page = await fixture.LogInAsync(PortalFixture.StaffUser, WebhookDashboard.Viewport(viewport));
        var ok = await WebhookDashboard.RegisterAsync(page, companyId, "site created", receiver.Url("/ok").ToString());
        var slow = await WebhookDashboard.RegisterAsync(page, companyId, "site created", receiver.Url("/slow").ToString());
        var held = await WebhookDashboard.RegisterAsync(page, companyId, "site created", receiver.Url("/held").ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("paused")).ToBeVisibleAsync();
        await page.GotoAsync($"/companies/{companyId}/webhooks/{ok}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("test-result")).ToContainTextAsync("HTTP 200");
        await WebhookDashboard.CreateSiteAsync(page, companyId);
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30), r => r.Path == "/slow");

        var log = $"/companies/{companyId}/deliveries";
        var rows = page.GetByTestId("delivery-row");
        await page.GotoAsync(log + "?status=retrying");
        await WebhookDashboard.ReloadUntilAsync(page, rows.GetByTestId("row-status"), "retrying");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"#{slow}");
        await Assertions.Expect(rows.First).ToContainTextAsync("HTTP 503");

        // Tests only when asked; the relative time carries the absolute one in the reader's zone on hover.
        await page.GotoAsync(log);
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        // The chart sums the company's registrations' stats: the attempt delivered to /ok and the one that failed at
        // /slow; not the test send, nor the paused registration's parked delivery.
        await ReloadUntilChartAsync(page, delivered: 1, failed: 1);
        await Assertions.Expect(page.GetByTestId("test-badge")).ToHaveCountAsync(0);
        await page.GetByLabel("Include test sends").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByTestId("test-badge")).ToHaveCountAsync(1);
        var time = rows.First.Locator("time").First;
        await Assertions.Expect(time).ToHaveTextAsync(new Regex("ago|just now"));
        await Assertions.Expect(time).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        await Assertions.Expect(time).Not.ToHaveAttributeAsync("title", new Regex(@"\(UTC\)$"));
        await WebhookDashboard.CheckAsync(page);
        await WebhookDashboard.DocsScreenshotAsync(page, $"portal-deliveries-{viewport}");

        // The other filters: status code, event, webhook-id, time range, and a bad work order said next to its field.
        await page.GotoAsync(log + "?code=503");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.GotoAsync(log + "?event=site+updated");
        await Assertions.Expect(page.GetByText("No deliveries match.")).ToBeVisibleAsync();
        await page.GotoAsync(log + $"?webhook={ok}");
        await rows.First.GetByRole(AriaRole.Link).First.ClickAsync();
        var messageId = (await page.Locator("dd code").First.TextContentAsync())!.Trim();
        Assert.StartsWith("msg_", messageId, StringComparison.Ordinal);
        await page.GotoAsync(log);
        await page.GetByLabel("webhook-id").FillAsync(messageId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"#{ok}");
        await page.GotoAsync(log + "?since=" + Uri.EscapeDataString(DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        await Assertions.Expect(page.GetByText("No deliveries match.")).ToBeVisibleAsync();
        await page.GotoAsync(log + "?until=" + Uri.EscapeDataString(DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await page.GotoAsync(log + "?workorder=abc");
        await Assertions.Expect(page.Locator("#f-workorder-error .field-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#f-workorder")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#f-workorder")).ToBeFocusedAsync();
        await WebhookDashboard.CheckAsync(page);

        // CSV of the filtered list: a proper file, one line per delivery, with the filter applied.
        await page.GotoAsync(log + "?status=retrying");
        var csv = await page.Context.APIRequest.GetAsync(await page.GetByTestId("csv-export").GetAttributeAsync("href") is { } href ? new Uri(new Uri(page.Url), href).ToString() : throw new InvalidOperationException("no CSV link"));
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"], StringComparison.Ordinal);
        var lines = (await csv.TextAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("\"delivery_id\",\"created_at\",\"event\"", lines[0], StringComparison.Ordinal);
        Assert.Contains($"\"{slow}\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"pending\"", lines[1], StringComparison.Ordinal);

        // The live view: the paused registration's row turns "succeeded" once it is resumed elsewhere, without a reload.
        await page.GotoAsync(log + $"?webhook={held}");
        var heldRow = rows.First;
        await Assertions.Expect(heldRow.GetByTestId("row-status")).ToContainTextAsync("pending");
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        var other = await page.Context.NewPageAsync();
        await other.GotoAsync($"/companies/{companyId}/webhooks/{held}");
        await other.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true }).ClickAsync();
        await Assertions.Expect(other.GetByRole(AriaRole.Status).Filter(new() { HasText = "Registration resumed" })).ToBeVisibleAsync();
        await other.CloseAsync();
        await Assertions.Expect(heldRow.GetByTestId("row-status")).ToContainTextAsync("succeeded", new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");
        await Assertions.Expect(page.GetByTestId("live-status")).ToContainTextAsync("Live view");

        // Attempt detail of the retrying delivery: headers as sent (a '+' stays '+'), the answer's status and body; Retry now.
        await page.GotoAsync(log + "?status=retrying");
        await rows.First.GetByRole(AriaRole.Link).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("delivery-status")).ToHaveTextAsync("retrying");
        var attempt = page.GetByTestId("attempt").First;
        await Assertions.Expect(attempt.GetByTestId("request-headers")).ToContainTextAsync(new Regex(@"webhook-signature: v1,[A-Za-z0-9+/=]+"));
        await Assertions.Expect(attempt.GetByTestId("request-headers")).Not.ToContainTextAsync("\\u002B");
        var sent = receiver.Received.First(r => r.Path == "/slow").Headers["webhook-signature"];
        await Assertions.Expect(attempt.GetByTestId("request-headers")).ToContainTextAsync("webhook-signature: " + sent);
        await Assertions.Expect(attempt.GetByTestId("request-body")).ToContainTextAsync("\"event\": \"site created\"");
        await Assertions.Expect(attempt.GetByTestId("response-status")).ToHaveTextAsync("503");
        // A loopback receiver's answer is never stored (AllowedNetworks): the page says so instead of showing nothing.
        await Assertions.Expect(attempt.GetByTestId("response-body")).ToContainTextAsync("None kept");
        await Assertions.Expect(attempt.GetByTestId("response-headers")).ToBeVisibleAsync();
        await WebhookDashboard.CheckAsync(page);
        var before = receiver.Received.Count(r => r.Path == "/slow");
        await page.GetByTestId("retry-now").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Retrying now" })).ToBeInViewportAsync();
        await receiver.WaitForAsync(before + 1, TimeSpan.FromSeconds(30), r => r.Path == "/slow");

        // The event-centric view: the site's event went to the three registrations, each with its attempts.
        await page.GetByTestId("event-link").ClickAsync();
        await Assertions.Expect(page.GetByTestId("endpoint-count")).ToHaveTextAsync("3");
        await Assertions.Expect(page.GetByTestId("event-delivery")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("event-attempt").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("event-payload")).ToContainTextAsync("site created");
        await WebhookDashboard.CheckAsync(page);
        var eventUrl = page.Url;
        await page.Context.CloseAsync();

        // Another company's user gets 404 for the event, as for a missing one.
        var stranger = await fixture.LogInAsync(PortalFixture.OtherClientUser, WebhookDashboard.Viewport(viewport));
        var eventId = eventUrl[(eventUrl.LastIndexOf('/') + 1)..];
        Assert.Equal(404, (await stranger.GotoAsync($"/companies/{fixture.OtherCompanyId}/events/{eventId}"))!.Status);
        Assert.Equal(404, (await stranger.GotoAsync($"/companies/{companyId}/events/{eventId}"))!.Status);
        await stranger.Context.CloseAsync();
    }

    /// <summary>Reloads until the chart's table (its hours summed: an attempt may fall either side of an hour) shows the counts.</summary>
    private static async Task ReloadUntilChartAsync(IPage page, int delivered, int failed, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var cells = await page.Locator("[role=region][aria-label='Attempts per hour'] tbody td").AllTextContentsAsync();
            var counts = (Sum(cells, 1), Sum(cells, 2));
            if (counts == (delivered, failed)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the chart shows {counts.Item1} delivered and {counts.Item2} failed, not {delivered} and {failed}");
            await Task.Delay(200);
            await page.ReloadAsync();
        }

        static int Sum(IReadOnlyList<string> cells, int column) =>
            cells.Where((_, i) => i % 4 == column).Sum(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture));
    }
}
