using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// A server with small login limits (<c>TechLink:Portal:LoginAttemptsPerUser</c> 3, <c>LoginAttemptsPerAddress</c> 8,
/// <c>LoginWindow</c> 8 s) and two real accounts. Each test connects from a loopback address of its own (127.0.0.2, ...),
/// so the per-address counts of one test never reach another.
/// </summary>
public sealed class ThrottleFixture : IAsyncLifetime
{
    public const int PerUser = 3;
    public const int PerAddress = 8;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(8);
    public const string Ada = "throttle.ada";
    public const string Bob = "throttle.bob";

    public PortalServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PortalServer.StartAsync(new Dictionary<string, string>
        {
            ["TechLink:Node:Roles"] = "api",
            ["TechLink:Portal:LoginAttemptsPerUser"] = PerUser.ToString(CultureInfo.InvariantCulture),
            ["TechLink:Portal:LoginAttemptsPerAddress"] = PerAddress.ToString(CultureInfo.InvariantCulture),
            ["TechLink:Portal:LoginWindow"] = Window.ToString("c", CultureInfo.InvariantCulture),
        });
        await Server.CreateUserAsync(Ada, null, isStaff: true);
        await Server.CreateUserAsync(Bob, null, isStaff: true);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>Login is limited per user and per client address over real HTTP, with 429 and Retry-After, and recovers after it.</summary>
[Collection(PortalCollection.Name)]
public sealed class LoginRateLimitTests(ThrottleFixture fixture, PortalFixture browser, ITestOutputHelper output) : IClassFixture<ThrottleFixture>
{
    private static Dictionary<string, string> Login(string user, string password) => new() { ["username"] = user, ["password"] = password };

    [Fact]
    public async Task FailedLogins_ForOneUser_Answer429WithRetryAfter_AndLoginWorksAgainAfterThatTime()
    {
        using var session = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.2"));
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= ThrottleFixture.PerUser; i++)
        {
            using var wrong = await session.PostFormAsync("/login", Login(ThrottleFixture.Ada, "wrong-password-" + i), tokenFrom: "/login");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("not right", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Past the limit even the right password is held back, before it is checked.
        using var limited = await session.PostFormAsync("/login", Login(ThrottleFixture.Ada, PortalServer.Password), tokenFrom: "/login");
        var limitedAt = clock.Elapsed;
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException("no Retry-After (seconds) on the 429");
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), ThrottleFixture.Window);
        Assert.Contains($"Try again in {(int)retryAfter.TotalSeconds} seconds", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(session.HasCookie("techlink.auth"));
        Assert.True(limitedAt < ThrottleFixture.Window, $"the attempts took {limitedAt}, longer than the window: the test proves nothing");

        // The user's limit holds back this user only: another account from the same address is still answered.
        using var other = await session.PostFormAsync("/login", Login(ThrottleFixture.Bob, "wrong-password"), tokenFrom: "/login");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        await Task.Delay(retryAfter); // the time the answer asked for: the behaviour under test, not a guess
        using var again = await session.PostFormAsync("/login", Login(ThrottleFixture.Ada, PortalServer.Password), tokenFrom: "/login");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.True(session.HasCookie("techlink.auth"));
        output.WriteLine($"429 after {ThrottleFixture.PerUser} attempts at {limitedAt.TotalMilliseconds:0} ms, Retry-After {retryAfter.TotalSeconds} s, signed in again after it");
        ReliabilityLog.Record("Portal", "login: wrong passwords for one user from one address beyond the per-user limit (real HTTP)", 1, 0,
            $"limit {ThrottleFixture.PerUser} per {ThrottleFixture.Window.TotalSeconds} s: attempt {ThrottleFixture.PerUser + 1} answered 429 with Retry-After {retryAfter.TotalSeconds} s; " +
            "another user from the same address still answered; the right password accepted after Retry-After");
    }

    [Fact]
    public async Task ManyUsersFromOneAddress_AreLimitedAtTheAddressLimit_AndForwardedHeadersDoNotDodgeIt()
    {
        using var session = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.3"));
        var clock = Stopwatch.StartNew();
        var allowed = 0;
        HttpResponseMessage? refused = null;
        // Each user stays below its own limit (2 of 3 attempts): only the address's limit can stop them.
        for (var i = 0; i < 2 * ThrottleFixture.PerAddress && refused is null; i++)
        {
            var response = await session.PostFormAsync("/login", Login($"nobody.{i / 2}", "guess-" + i), tokenFrom: "/login");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                allowed++;
                response.Dispose();
            }
        }

        var elapsed = clock.Elapsed;
        Assert.True(elapsed < ThrottleFixture.Window, $"the attempts took {elapsed}, longer than the window: the test proves nothing");
        Assert.Equal(ThrottleFixture.PerAddress, allowed);
        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        refused.Dispose();

        // The app trusts no forwarded header: claiming another client address changes nothing.
        var dodges = new[]
        {
            new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.7" },
            new Dictionary<string, string> { ["X-Forwarded-For"] = "198.51.100.23, 203.0.113.9" },
            new Dictionary<string, string> { ["X-Real-IP"] = "203.0.113.10" },
            new Dictionary<string, string> { ["Forwarded"] = "for=203.0.113.11;proto=https" },
        };
        var dodged = 0;
        for (var i = 0; i < dodges.Length; i++)
        {
            using var response = await session.PostFormAsync("/login", Login($"fresh.user.{i}", "guess"), tokenFrom: "/login", headers: dodges[i]);
            if (response.StatusCode != HttpStatusCode.TooManyRequests) dodged++;
        }

        // The limit is the address's: a client at another address is answered.
        using var elsewhere = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.4"));
        using var fromElsewhere = await elsewhere.PostFormAsync("/login", Login("nobody.0", "guess"), tokenFrom: "/login");

        ReliabilityLog.Record("Portal", "login: many usernames from one address beyond the per-address limit, then forwarded-address headers (real HTTP)",
            allowed + 1 + dodges.Length, dodged + (allowed > ThrottleFixture.PerAddress ? allowed - ThrottleFixture.PerAddress : 0),
            $"limit {ThrottleFixture.PerAddress} per {ThrottleFixture.Window.TotalSeconds} s: {allowed} answered, the next 429; " +
            $"{dodges.Length - dodged} of {dodges.Length} attempts with X-Forwarded-For / X-Real-IP / Forwarded still 429; another address answered {(int)fromElsewhere.StatusCode}");
        Assert.Equal(0, dodged);
        Assert.Equal(HttpStatusCode.OK, fromElsewhere.StatusCode);
    }

    [Fact]
    public async Task Browser_WrongPasswordsBeyondTheLimit_ShowTooManyAttemptsWith429()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Server.BaseUrl.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        IResponse? last = null;
        for (var i = 0; i <= ThrottleFixture.PerUser; i++)
        {
            await page.GotoAsync("/login");
            await page.GetByLabel("Username").FillAsync(ThrottleFixture.Bob);
            await page.GetByLabel("Password").FillAsync("wrong-password-" + i);
            last = await page.RunAndWaitForResponseAsync(
                () => page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync(),
                r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/login");
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        }

        Assert.Equal(429, last!.Status);
        var headers = await last.AllHeadersAsync();
        var seconds = int.Parse(headers["retry-after"], CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, (int)ThrottleFixture.Window.TotalSeconds);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Too many attempts. Try again in {seconds} seconds.");
        ReliabilityLog.Record("Portal", "login in Chromium: wrong passwords beyond the per-user limit", 1, 0,
            $"attempt {ThrottleFixture.PerUser + 1} answered 429, Retry-After {seconds} s, the form says so");
    }
}
