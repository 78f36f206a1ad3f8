using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
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
    /// <summary>A staff account that a guessing loop goes after from many addresses.</summary>
    public const string Staff = "throttle.staff";
    public const string Gone = "throttle.gone";

    public PortalServer Server { get; private set; } = null!;

    public PasswordHasherProbe Hasher => Server.Services.GetRequiredService<PasswordHasherProbe>();

    public async Task InitializeAsync()
    {
        Server = await PortalServer.StartAsync(new Dictionary<string, string>
        {
            ["TechLink:Node:Roles"] = "api",
            ["TechLink:Portal:LoginAttemptsPerUser"] = PerUser.ToString(CultureInfo.InvariantCulture),
            ["TechLink:Portal:LoginAttemptsPerAddress"] = PerAddress.ToString(CultureInfo.InvariantCulture),
            ["TechLink:Portal:LoginWindow"] = Window.ToString("c", CultureInfo.InvariantCulture),
        }, PasswordHasherProbe.AddTo);
        await Server.CreateUserAsync(Ada, null, isStaff: true);
        await Server.CreateUserAsync(Bob, null, isStaff: true);
        await Server.CreateUserAsync(Staff, null, isStaff: true);
        await Server.CreateUserAsync(Gone, null, isStaff: false, isActive: false);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>Login is limited per user and per client address over real HTTP, with 429 and Retry-After, and recovers after it.</summary>
[Collection(PortalCollection.Name)]
public sealed partial class LoginRateLimitTests(ThrottleFixture fixture, PortalFixture browser, ITestOutputHelper output) : IClassFixture<ThrottleFixture>
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

    [Fact]
    public async Task CorrectLogins_BeyondBothLimits_AllSucceed()
    {
        // Only failures count: a desk of people behind one address, or one person logging in again and again, never waits.
        var attempts = ThrottleFixture.PerAddress + ThrottleFixture.PerUser + 1;
        var clock = Stopwatch.StartNew();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < attempts; i++)
        {
            using var session = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.20"));
            using var response = await session.PostFormAsync("/login", Login(ThrottleFixture.Ada, PortalServer.Password), tokenFrom: "/login");
            answers.Add(response.StatusCode);
        }

        var elapsed = clock.Elapsed;
        var refused = answers.Count(a => a != HttpStatusCode.Redirect);
        ReliabilityLog.Record("Hostile review, round two", "login: correct passwords beyond the per-user and per-address limits, one address, within one window (real HTTP)",
            attempts, refused, $"limits {ThrottleFixture.PerUser} per user / {ThrottleFixture.PerAddress} per address per {ThrottleFixture.Window.TotalSeconds} s; " +
            $"{attempts} correct logins in {elapsed.TotalSeconds:0.0} s: {attempts - refused} signed in, {refused} refused ({string.Join(", ", answers.Select(a => (int)a).Distinct())})");
        Assert.True(elapsed < ThrottleFixture.Window, $"the logins took {elapsed}, longer than the window: the test proves nothing");
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a));
    }

    [Fact]
    public async Task WrongPasswordsOnStaff_FromManyAddresses_NeverLockTheAccount_AndAnswerLikeAnUnknownUser()
    {
        // A guessing loop on a staff account from four addresses, each up to its per-user limit: 12 failures in all.
        var guesses = 0;
        for (var address = 21; address <= 24; address++)
        {
            using var attacker = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse($"127.0.0.{address}"));
            for (var i = 0; i < ThrottleFixture.PerUser; i++, guesses++)
            {
                using var wrong = await attacker.PostFormAsync("/login", Login(ThrottleFixture.Staff, $"guess-{address}-{i}"), tokenFrom: "/login");
                Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            }
        }

        // From an address of its own, an unknown user, an inactive user (right password) and a wrong password for the
        // guessed account read the same, byte for byte once the echoed username and the form token are set aside,
        // and each runs the password hasher exactly once.
        using var probe = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.25"));
        var cases = new[]
        {
            (User: ThrottleFixture.Staff, Password: "one-more-guess"),
            (User: "nobody." + Guid.NewGuid().ToString("N")[..8], Password: "one-more-guess"),
            (User: ThrottleFixture.Gone, Password: PortalServer.Password),
        };
        var answers = new List<(HttpStatusCode Status, string Body, long Hashes)>();
        foreach (var (user, password) in cases)
        {
            var before = fixture.Hasher.Verifications;
            using var response = await probe.PostFormAsync("/login", Login(user, password), tokenFrom: "/login");
            var html = await response.Content.ReadAsStringAsync();
            answers.Add((response.StatusCode, Normalized(html, user), fixture.Hasher.Verifications - before));
            output.WriteLine($"{user}: {(int)response.StatusCode}, {PortalSession.Messages(html)}, {answers[^1].Hashes} hash run(s)");
        }

        // The right password from a fresh address signs in at once: the account was never locked.
        using var owner = new PortalSession(fixture.Server.BaseUrl, IPAddress.Parse("127.0.0.26"));
        using var right = await owner.PostFormAsync("/login", Login(ThrottleFixture.Staff, PortalServer.Password), tokenFrom: "/login");

        var failures = new List<string>();
        if (right.StatusCode != HttpStatusCode.Redirect || !owner.HasCookie("techlink.auth")) failures.Add($"the right password from a fresh address after {guesses} wrong ones answered {(int)right.StatusCode}");
        for (var i = 0; i < cases.Length; i++)
        {
            if (answers[i].Status != HttpStatusCode.OK) failures.Add($"{cases[i].User}: {(int)answers[i].Status}, expected 200 with the form");
            if (answers[i].Body != answers[0].Body) failures.Add($"{cases[i].User}: the page differs from the wrong password's: {Difference(answers[i].Body, answers[0].Body)}");
            if (answers[i].Hashes != 1) failures.Add($"{cases[i].User}: the password hasher ran {answers[i].Hashes} times, expected once");
        }

        ReliabilityLog.Record("Hostile review, round two",
            "login: wrong passwords on a staff account from 4 addresses, then unknown user / inactive user / wrong password compared, then the right password from a fresh address (real HTTP)",
            guesses + cases.Length + 1, failures.Count,
            $"{guesses} wrong passwords (Identity locked after 5 before); the three failures answered {string.Join("/", answers.Select(a => (int)a.Status))}, pages identical: " +
            $"{answers.All(a => a.Body == answers[0].Body)}, hasher runs {string.Join("/", answers.Select(a => a.Hashes))}; the right password from a fresh address answered {(int)right.StatusCode}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>The login page with the username it echoes and its per-request form token taken out.</summary>
    private static string Normalized(string html, string user) =>
        FormToken().Replace(html.Replace(WebUtility.HtmlEncode(user), "{username}", StringComparison.Ordinal), "value=\"{token}\"");

    private static string Difference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        return $"at {i}: '{a.Substring(Math.Max(0, i - 40), Math.Min(120, a.Length - Math.Max(0, i - 40)))}' vs '{b.Substring(Math.Max(0, i - 40), Math.Min(120, b.Length - Math.Max(0, i - 40)))}'";
    }

    [GeneratedRegex("(?<=name=\"__RequestVerificationToken\"[^>]*)value=\"[^\"]*\"", RegexOptions.CultureInvariant)]
    private static partial Regex FormToken();
}
