using System.Net;
using Microsoft.Playwright;

namespace TechLink.Portal.Tests;

/// <summary>Tenancy, antiforgery, password guessing and HTML in notes.</summary>
[Collection(PortalCollection.Name)]
public sealed class SecurityPortalTests(PortalFixture fixture)
{
    [Fact]
    public async Task Client_OpeningAnotherCompanysPages_Gets404()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        foreach (var path in new[]
        {
            $"/companies/{fixture.OtherCompanyId}",
            $"/companies/{fixture.OtherCompanyId}/webhooks",
            $"/companies/{fixture.OtherCompanyId}/deliveries",
            $"/companies/{fixture.OtherCompanyId}/workorders/{fixture.OtherWorkOrderId}",
            $"/companies/{fixture.CompanyId}/workorders/{fixture.OtherWorkOrderId}",
        })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(404, response!.Status);
        }

        var own = await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks");
        Assert.Equal(200, own!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Anonymous_PortalPage_RedirectsToLogin()
    {
        await using var context = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.BaseUrl.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task FormPost_WithoutAntiforgeryToken_IsRefused()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = PortalFixture.ClientUser, ["password"] = PortalFixture.Password });
        var response = await http.PostAsync(new Uri("/login", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("techlink.auth", StringComparison.Ordinal)));

        // Signed in, a state-changing post without the token is refused as well, and changes nothing.
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var cookies = await page.Context.CookiesAsync();
        var auth = cookies.Single(c => c.Name == "techlink.auth");
        Assert.True(auth.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, auth.SameSite);
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var signedIn = new HttpClient(handler) { BaseAddress = fixture.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/companies/{fixture.CompanyId}/webhooks?handler=Create")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Form.Type"] = "(any webhooks)", ["Form.Url"] = "http://127.0.0.1:9/forged" }),
        };
        request.Headers.Add("Cookie", $"{auth.Name}={auth.Value}");
        var forged = await signedIn.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await page.GotoAsync($"/companies/{fixture.CompanyId}/webhooks");
        await Assertions.Expect(page.GetByText("http://127.0.0.1:9/forged")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NoteWithScript_IsRenderedSanitized_AndNothingRuns()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            Interlocked.Increment(ref dialogs);
            await dialog.DismissAsync();
        };
        await page.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{fixture.WorkOrderId}");
        var marker = Guid.NewGuid().ToString("N");
        await page.GetByLabel("Note", new() { Exact = true }).FillAsync(
            $"<p>Safe {marker} <b>bold</b></p><script>alert('script')</script><img src=x onerror=\"alert('onerror')\"><a href=\"javascript:alert('href')\">link</a>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        var note = page.GetByTestId("note").Filter(new() { HasText = marker });
        // The post answers with a new page: reload only once it has arrived (a reload while it is under way finds no page).
        await Assertions.Expect(note).ToBeVisibleAsync();
        await page.ReloadAsync();

        await Assertions.Expect(note.Locator("b")).ToHaveTextAsync("bold");
        Assert.Equal(0, await note.Locator("script").CountAsync());
        Assert.Equal(0, await note.Locator("[onerror]").CountAsync());
        Assert.Equal(0, await note.Locator("a[href^='javascript']").CountAsync());
        var html = await note.InnerHTMLAsync();
        Assert.DoesNotContain("onerror", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Equal(0, dialogs);
        await PortalFixture.ScreenshotAsync(page, "workorder-notes");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RepeatedWrongPasswords_NeverLockTheAccount_AndReadLikeAnUnknownUser()
    {
        await using var context = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.BaseUrl.ToString() });
        var page = await context.NewPageAsync();
        async Task<string> LogInAsync(string user, string password)
        {
            await page.GotoAsync("/login");
            await PortalLogin.SubmitAsync(page, user, password);
            return page.Url.Contains("/login", StringComparison.Ordinal) ? await page.GetByRole(AriaRole.Alert).InnerHTMLAsync() : "";
        }

        // Identity used to lock an account after five failures: anyone could lock anyone out, staff included.
        var wrong = new List<string>();
        for (var i = 0; i < 8; i++) wrong.Add(await LogInAsync(PortalFixture.GuessedUser, "wrong-password-" + i));
        var unknown = await LogInAsync("nobody." + Guid.NewGuid().ToString("N")[..8], "wrong-password");

        Assert.All(wrong, message => Assert.Equal(unknown, message));
        Assert.Contains("not right", unknown, StringComparison.Ordinal);
        Assert.Equal("", await LogInAsync(PortalFixture.GuessedUser, PortalFixture.Password));
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
    }
}
