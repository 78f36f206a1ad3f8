using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Security.Tests.Accounts;

/// <summary>
/// A session ends on the server, not only in the browser: after a user is deactivated, changes password or logs out, or
/// is marked inactive in the database by any other path, the cookie they had (or a copy of it) no longer reads a page
/// (redirect to the login) or posts a note (401/403, and no note is written). Other users' sessions go on.
/// </summary>
public abstract class SessionRevocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Session-pass-123";
    private AccountsServer _server = null!;

    protected abstract string ProviderName { get; }

    protected abstract Task<string?> ConnectionStringAsync();

    public async Task InitializeAsync() => _server = AccountsServer.Start(await ConnectionStringAsync());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed record Ending(string Name, Func<Signedin, Task<PortalClient>> End);

    /// <summary>A user signed in through the real form, with the work order page open (its note form's token in hand).</summary>
    private sealed record Signedin(string UserId, string UserName, PortalClient Browser, string Token);

    [Fact]
    public async Task CookieReplay_AfterDeactivationPasswordChangeLogoutOrInactiveRow_IsRefused_AndOtherSessionsGoOn()
    {
        using var staff = _server.Staff();
        var company = (await PostAsync(staff, "companies", new { name = "Sessions A" })).Str("company_id");
        using var client = _server.Api((await PostAsync(staff, $"companies/{company}/api-keys", new { name = "erp" })).Str("key"));
        var site = (await PostAsync(client, "sites", new { name = "Store 1", timezone = "America/Los_Angeles" })).Str("site_id");
        var workOrder = (await PostAsync(client, "workorders", new { site_id = site, client_reference = "PO-1", title = "Install", description = "", priority = "normal" })).Str("workorder_id");
        var page = $"/companies/{company}/workorders/{workOrder}";

        var endings = new Ending[]
        {
            new("deactivated (PATCH is_active false)", async s =>
            {
                await PatchAsync(client, $"users/{s.UserId}", new { is_active = false });
                return s.Browser;
            }),
            new("password changed (PATCH password)", async s =>
            {
                await PatchAsync(client, $"users/{s.UserId}", new { password = "Changed-pass-456" });
                using var fresh = new PortalClient(_server.BaseUrl);
                using var login = await fresh.PostAsync("/login", new() { ["username"] = s.UserName, ["password"] = "Changed-pass-456" }, tokenFrom: "/login");
                Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
                return s.Browser;
            }),
            new("logged out, a copy of the cookies replayed", async s =>
            {
                var copy = new PortalClient(_server.BaseUrl);
                foreach (var name in new[] { "techlink.auth", "techlink.af" }) copy.SetCookie(name, s.Browser.Cookie(name) ?? throw new InvalidOperationException($"no {name} cookie"));
                using var logout = await s.Browser.PostAsync("/logout", new(), tokenFrom: "/logout");
                Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
                return copy;
            }),
            new("is_active cleared in the database (no stamp change)", async s =>
            {
                await using var scope = _server.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
                var id = long.Parse(s.UserId, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(1, await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsActive, false)));
                return s.Browser;
            }),
        };

        var bystander = await SignInAsync(client, "bystander", page);
        var failures = new List<string>();
        var tries = 0;
        var accepted = 0;
        foreach (var ending in endings)
        {
            var session = await SignInAsync(client, "user", page);
            var replay = await ending.End(session);
            var marker = "replayed-" + Guid.NewGuid().ToString("N")[..8];
            using var get = await replay.GetAsync(page);
            using var post = await replay.PostWithTokenAsync(page + "?handler=Note", new() { ["content"] = marker }, session.Token);
            tries += 2;
            var location = get.Headers.Location?.OriginalString ?? "";
            if (get.StatusCode != HttpStatusCode.Redirect || !location.Contains("/login", StringComparison.Ordinal))
            {
                accepted++;
                failures.Add($"{ending.Name}: GET page answered {(int)get.StatusCode} {location}, expected a redirect to /login");
            }

            var refusal = await post.Content.ReadAsStringAsync();
            if (post.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            {
                accepted++;
                failures.Add($"{ending.Name}: POST note answered {(int)post.StatusCode} {post.Headers.Location}, expected 401 or 403");
            }

            else if (!refusal.Contains($"/login?ReturnUrl={Uri.EscapeDataString(page)}", StringComparison.Ordinal))
            {
                failures.Add($"{ending.Name}: the 401 page does not lead back to the login and the page: {refusal}");
            }

            if (await NotesContainAsync(client, workOrder, marker)) failures.Add($"{ending.Name}: the replayed note was written");

            // Another user's session, signed in before, goes on reading and posting.
            var alive = "alive-" + Guid.NewGuid().ToString("N")[..8];
            using var bystanderGet = await bystander.Browser.GetAsync(page);
            using var bystanderPost = await bystander.Browser.PostWithTokenAsync(page + "?handler=Note", new() { ["content"] = alive }, bystander.Token);
            tries += 2;
            if (bystanderGet.StatusCode != HttpStatusCode.OK || bystanderPost.StatusCode != HttpStatusCode.Redirect || !await NotesContainAsync(client, workOrder, alive))
            {
                failures.Add($"{ending.Name}: the other user's session answered GET {(int)bystanderGet.StatusCode}, POST {(int)bystanderPost.StatusCode}: it should go on");
            }

            if (replay != session.Browser) replay.Dispose();
            session.Browser.Dispose();
        }

        output.WriteLine($"{tries} requests, {failures.Count} failures ({ProviderName})");
        foreach (var failure in failures) output.WriteLine("  " + failure);
        ReliabilityLog.Record("Hostile review, round two",
            $"portal cookie replayed after deactivation, password change, logout (a copied cookie) and is_active cleared in the database; another user's session alongside ({ProviderName})",
            tries, accepted + failures.Count(f => f.Contains("other user", StringComparison.Ordinal)),
            $"{endings.Length} ways a session ends × (GET the work order page, POST a note with the page's token), and the other session's GET and POST after each: " +
            "dead cookies redirected to /login (pages) and refused with 401 (posts), no note written; the other session read and posted");
        bystander.Browser.Dispose();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private async Task<Signedin> SignInAsync(HttpClient client, string prefix, string page)
    {
        var userName = $"{prefix}.{Guid.NewGuid().ToString("N")[..8]}";
        var user = await PostAsync(client, "users", new { username = userName, first_name = "Sam", last_name = "Session", email = "", phone = "", password = Password });
        var browser = new PortalClient(_server.BaseUrl);
        using var login = await browser.PostAsync("/login", new() { ["username"] = userName, ["password"] = Password }, tokenFrom: "/login");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        using var open = await browser.GetAsync(page);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        return new Signedin(user.Str("user_id"), userName, browser, await browser.TokenAsync(page));
    }

    private static async Task<bool> NotesContainAsync(HttpClient client, string workOrder, string marker)
    {
        var notes = await client.GetFromJsonAsync<JsonElement>($"workorders/{workOrder}/notes?limit=1000");
        return notes.GetProperty("items").EnumerateArray().Any(n => n.Str("content").Contains(marker, StringComparison.Ordinal));
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task PatchAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PatchAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PATCH {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed class SessionRevocationSqliteTests(ITestOutputHelper output) : SessionRevocationTests(output)
{
    protected override string ProviderName => "SQLite";

    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class SessionRevocationPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : SessionRevocationTests(output)
{
    protected override string ProviderName => "PostgreSQL";

    protected override async Task<string?> ConnectionStringAsync() => await postgres.Cluster.CreateDatabaseAsync("sessions");
}
