using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>
/// The work order page (issue 15): only the actions the status allows, the badge after every action, the result of each
/// action on top of its card, in view and announced, confirmations for destructive actions, honest messages, and form
/// errors in plain words next to the field (aria-invalid, focus, typed values kept), at desktop and phone sizes.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class WorkOrderPortalTests(PortalFixture fixture)
{
    public static TheoryData<string> Sizes => new() { "desktop", "phone" };

    private static ViewportSize Size(string name) => name == "phone" ? Viewports.Phone : Viewports.Desktop;

    private string PathOf(long workOrder) => $"/companies/{fixture.CompanyId}/workorders/{workOrder}";

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Staff_LifeCycle_ShowsOnlyTheAllowedActions_AndTheBadgeFollowsEveryAction(string size)
    {
        var workOrder = await fixture.NewWorkOrderAsync($"Life cycle on a {size}");
        var page = await fixture.LogInAsync(PortalFixture.StaffUser, Size(size));
        await page.GotoAsync(PathOf(workOrder));
        var badge = page.GetByTestId("wo-status");
        await Assertions.Expect(badge).ToHaveTextAsync("10 Created");
        await AssertButtonsAsync(page, present: ["Schedule", "Assign", "Check in"], absent: ["Check out"]);
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.AssertNoHorizontalOverflowAsync(page);

        await page.GetByLabel("Planned technician").FillAsync("Tess Tech");
        await Click(page, "Assign");
        await Assertions.Expect(badge).ToHaveTextAsync("40 Assigned");
        await AssertResultInViewAsync(page, "actions", "Technician assigned; the status is 40 Assigned.");

        await page.GetByLabel("Install time (site-local)").FillAsync("2026-12-01 09:00:00");
        await Click(page, "Schedule");
        await Assertions.Expect(badge).ToHaveTextAsync("60 Scheduled");
        await AssertResultInViewAsync(page, "actions", "Scheduled; the status is 60 Scheduled.");

        await Click(page, "Check in");
        await Assertions.Expect(badge).ToHaveTextAsync("70 Tech On Site");
        await AssertButtonsAsync(page, present: ["Check out", "Assign"], absent: ["Check in", "Schedule"]);
        await Assertions.Expect(page.GetByText("Cancel work order…")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Close work order…")).ToHaveCountAsync(0);

        await Click(page, "Check out");
        await Assertions.Expect(badge).ToHaveTextAsync("76 Off Site / Complete");
        await AssertButtonsAsync(page, present: [], absent: ["Check in", "Check out", "Schedule", "Assign"]);

        // Closing asks first: the button is inside a disclosure that says what closing means.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Yes, close it" })).Not.ToBeVisibleAsync();
        await page.GetByText("Close work order…").ClickAsync();
        await Click(page, "Yes, close it");
        await Assertions.Expect(badge).ToHaveTextAsync("100 Closed");
        await AssertResultInViewAsync(page, "actions", "Work order closed.");
        await Assertions.Expect(page.GetByTestId("no-actions")).ToBeVisibleAsync();
        await AssertButtonsAsync(page, present: ["Change status"], absent: ["Check in", "Check out", "Schedule", "Assign"]);
        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync("100 Closed");
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.AssertNoHorizontalOverflowAsync(page);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await PortalFixture.ScreenshotAsync(page, $"workorder-{size}");
        Docs.Copy($"workorder-{size}", $"portal-workorder-{size}.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CheckIn_FromAStalePageOfAClosedOrder_IsRefusedVisibly_AndDoesNotReopenIt()
    {
        var workOrder = await fixture.NewWorkOrderAsync("Closed in another tab");
        var page = await fixture.LogInAsync(PortalFixture.StaffUser);
        await page.GotoAsync(PathOf(workOrder));
        var other = await page.Context.NewPageAsync();
        await other.GotoAsync(PathOf(workOrder));
        await other.GetByText("Close work order…").ClickAsync();
        await other.GetByRole(AriaRole.Button, new() { Name = "Yes, close it" }).ClickAsync();
        await Assertions.Expect(other.GetByTestId("wo-status")).ToHaveTextAsync("100 Closed");

        await page.GetByLabel("Technician on site").FillAsync("John Smith");
        await Click(page, "Check in");
        var refusal = page.Locator("#actions [role=alert]");
        await Assertions.Expect(refusal).ToContainTextAsync("not possible while the work order is 100 Closed");
        await Assertions.Expect(refusal).ToBeInViewportAsync();
        await Assertions.Expect(page.GetByTestId("wo-status")).ToHaveTextAsync("100 Closed");
        await Assertions.Expect(page.GetByTestId("timeline")).Not.ToContainTextAsync("70 Tech On Site");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Client_SeesOnlyCancel_AndCancelAsksFirst()
    {
        var workOrder = await fixture.NewWorkOrderAsync("Client cancels");
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Viewports.Phone);
        await page.GotoAsync(PathOf(workOrder));
        await AssertButtonsAsync(page, present: [], absent: ["Schedule", "Assign", "Check in", "Check out", "Change status"]);
        await Assertions.Expect(page.GetByText("Close work order…")).ToHaveCountAsync(0);
        await page.GetByText("Cancel work order…").ClickAsync();
        await Click(page, "Yes, cancel it");
        await Assertions.Expect(page.GetByTestId("wo-status")).ToHaveTextAsync("105 Cancelled");
        await AssertResultInViewAsync(page, "actions", "Work order cancelled.");
        await Assertions.Expect(page.GetByText("Cancel work order…")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EmptyTitle_IsRefusedInPlainWordsNextToTheField_FocusedAndInvalid(string size)
    {
        var workOrder = await fixture.NewWorkOrderAsync("Keeps its title");
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Size(size));
        await page.GotoAsync(PathOf(workOrder));
        await page.GetByText("Edit details").ClickAsync();
        await page.GetByLabel("Title").FillAsync("");
        await page.GetByLabel("Client reference").FillAsync("PO-typed-but-refused");
        await Click(page, "Save");

        var title = page.GetByLabel("Title");
        await Assertions.Expect(page.Locator("#edit-title-error .field-error")).ToHaveTextAsync("Enter a title.");
        await Assertions.Expect(page.Locator("#edit-title-error .field-error")).ToHaveCountAsync(1);
        await Assertions.Expect(title).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(title).ToBeFocusedAsync();
        await Assertions.Expect(page.GetByLabel("Client reference")).ToHaveValueAsync("PO-typed-but-refused");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "corr" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Work order details saved.")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToContainTextAsync("Keeps its title");
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.AssertNoHorizontalOverflowAsync(page);

        // Saving what is stored says so, instead of "updated".
        await page.GotoAsync(PathOf(workOrder));
        await page.GetByText("Edit details").ClickAsync();
        await Click(page, "Save");
        await AssertResultInViewAsync(page, "actions", "Nothing to save: the details were already as shown.");
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EmptyNote_ErrorIsVisibleFocusedAndAnnounced(string size)
    {
        var workOrder = await fixture.NewWorkOrderAsync("Empty note");
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Size(size));
        await page.GotoAsync(PathOf(workOrder));
        await Click(page, "Add note");

        var error = page.Locator("#note-error .field-error");
        await Assertions.Expect(error).ToHaveTextAsync("Enter a note.");
        await Assertions.Expect(page.GetByLabel("Note", new() { Exact = true })).ToBeFocusedAsync();
        await Assertions.Expect(page.GetByLabel("Note", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.True(await InViewAsync(error), "the empty-note error is out of view");
        await Assertions.Expect(page.Locator("#notes [role=alert]")).ToBeVisibleAsync();

        await page.GetByLabel("Note", new() { Exact = true }).FillAsync("Gate code 4711");
        await Click(page, "Add note");
        await AssertResultInViewAsync(page, "notes", "Note added.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TaskForm_RefusedKeepsWhatWasTyped_AndDeleteAsksFirst()
    {
        var workOrder = await fixture.NewWorkOrderAsync("Tasks");
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Viewports.Phone);
        await page.GotoAsync(PathOf(workOrder));
        await page.GetByLabel("Description", new() { Exact = true }).Last.FillAsync("Both ends, typed before the title");
        await Click(page, "Add task");
        await Assertions.Expect(page.Locator("#task-title-error .field-error")).ToHaveTextAsync("Enter a title.");
        await Assertions.Expect(page.Locator("#task-desc")).ToHaveValueAsync("Both ends, typed before the title");
        await Assertions.Expect(page.Locator("#task-title")).ToBeFocusedAsync();

        await page.Locator("#task-title").FillAsync("Label cables");
        await Click(page, "Add task");
        await AssertResultInViewAsync(page, "tasks", "Task added.");
        await PageChecks.AssertNoHorizontalOverflowAsync(page);

        var yes = page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete task Label cables" });
        await Assertions.Expect(yes).Not.ToBeVisibleAsync();
        await page.Locator("#tasks summary").Filter(new() { HasText = "Delete…" }).ClickAsync();
        await Assertions.Expect(page.Locator("#tasks").GetByText("Delete the task “Label cables”? This cannot be undone.")).ToBeVisibleAsync();
        await yes.ClickAsync();
        await AssertResultInViewAsync(page, "tasks", "Task deleted.");
        await Assertions.Expect(page.Locator("#tasks tbody tr")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task MissingOrOtherCompanysWorkOrder_ErrorPageInTheLayout_WithAWayBack(string size)
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser, Size(size));
        foreach (var path in new[] { PathOf(999_999_999), PathOf(fixture.OtherWorkOrderId), $"/companies/{fixture.OtherCompanyId}/workorders/{fixture.OtherWorkOrderId}" })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(404, response!.Status);
            Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Banner)).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("error-page")).Not.ToContainTextAsync("Globex");
            await PageChecks.AssertAccessibleAsync(page);
            await PageChecks.AssertNoHorizontalOverflowAsync(page);
        }

        await page.GetByTestId("error-back").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/companies/{fixture.OtherCompanyId}", StringComparison.Ordinal) || url.Contains("/companies/", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Acme Retail");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task StaffOnlyAction_PostedByAClient_Answers403Page_AndAServerErrorPageHasTheLayout()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        await page.GotoAsync(PathOf(fixture.WorkOrderId));
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token!);
        var response = await page.APIRequest.PostAsync($"{PathOf(fixture.WorkOrderId)}?handler=Close", new() { Form = form });
        Assert.Equal(403, response.Status);
        var html = await response.TextAsync();
        Assert.Contains("Not allowed", html, StringComparison.Ordinal);
        Assert.Contains("class=\"site-header\"", html, StringComparison.Ordinal);
        Assert.Contains("Back to the work orders", html, StringComparison.Ordinal);

        foreach (var code in new[] { 403, 500 })
        {
            var shown = await page.GotoAsync($"/error?code={code}");
            Assert.Equal(code, shown!.Status);
            await Assertions.Expect(page.GetByTestId("error-back")).ToBeVisibleAsync();
            await PageChecks.AssertAccessibleAsync(page);
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Api_RefusedRequest_StillAnswersProblemDetails()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var response = await page.APIRequest.GetAsync("/api/v1/workorders/999999999");
        Assert.True(response.Status is 401 or 404, $"answered {response.Status}");
        Assert.StartsWith("application/problem+json", response.Headers["content-type"], StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    private static Task Click(IPage page, string button) => page.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();

    private static async Task AssertButtonsAsync(IPage page, string[] present, string[] absent)
    {
        foreach (var name in present) await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true })).ToHaveCountAsync(1);
        foreach (var name in absent) await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true })).ToHaveCountAsync(0);
    }

    /// <summary>The action's result: on top of its card, announced (role=status), the page at the card, the message in view.</summary>
    private static async Task AssertResultInViewAsync(IPage page, string card, string message)
    {
        var status = page.Locator($"#{card} [role=status]");
        await Assertions.Expect(status).ToHaveTextAsync(message);
        Assert.EndsWith("#" + card, page.Url, StringComparison.Ordinal);
        Assert.True(await InViewAsync(status), $"'{message}' is out of view");
    }

    private static Task<bool> InViewAsync(ILocator locator) =>
        locator.EvaluateAsync<bool>("e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }");
}
