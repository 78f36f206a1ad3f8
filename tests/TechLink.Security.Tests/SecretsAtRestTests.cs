using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TechLink.Server.Accounts;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Security.Tests;

/// <summary>
/// Secrets never in clear: a full flow (API keys staff and client, passwords, registrations with X-Tokens and whsec_
/// signing secrets, a rotation, deliveries to a real receiver, the test button, a redelivery, the portal) against a
/// server logging everything at Trace, then a search of the whole database (dump, stored bytes, raw files) and the logs
/// for every secret. X-Tokens and signing secrets must be encrypted at rest, API keys and passwords hashed.
/// </summary>
public abstract partial class SecretsAtRestTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly List<Secret> _secrets = [];
    private SecretsServer _server = null!;
    private LoopbackReceiver _receiver = null!;

    protected abstract string ProviderName { get; }

    protected abstract Task<string?> ConnectionStringAsync();

    public async Task InitializeAsync()
    {
        var staffKey = Secret("staff API key (bootstrap)", "tlk_" + RandomText(32));
        _server = new SecretsServer(await ConnectionStringAsync(), staffKey);
        _server.Start();
        _receiver = await LoopbackReceiver.StartAsync();
        _receiver.Respond = r => Task.FromResult(r.Path.StartsWith("/fail", StringComparison.Ordinal) ? (500, "not today") : (200, "ok"));
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
        _server.DeleteFiles();
    }

    [Fact]
    public async Task FullFlow_DatabaseDumpAndTraceLogs_HoldNoSecretInClear()
    {
        var canaries = await RunFlowAsync();
        var places = await ScanWhileRunningAsync();
        await _server.DisposeAsync(); // stops the server; SQLite folds its WAL into the file
        places.AddRange(ScanAfterStop());
        var logs = await File.ReadAllTextAsync(_server.LogPath);
        places.Add(Place.OfText("logs: every category at Trace, with scopes, state values and exceptions", logs));
        // The capture really ran at Trace, framework categories included, with the request scopes.
        foreach (var expected in new[] { " Trace Microsoft.AspNetCore.", " Debug Microsoft.EntityFrameworkCore.Database.Command", " Debug Microsoft.AspNetCore.Server.Kestrel", " scope.TraceId=" })
        {
            Assert.Contains(expected, logs, StringComparison.Ordinal);
        }

        // The scan must see what is really there: things known to be stored or logged in clear are found in every place.
        foreach (var place in places)
        {
            var expected = place.Name.StartsWith("logs", StringComparison.Ordinal) ? canaries.Logged
                : place.Name.StartsWith("files", StringComparison.Ordinal) ? canaries.Uploaded
                : canaries.Stored;
            Assert.True(place.Holds(expected), $"{place.Name} ({place.Size} bytes) does not even hold '{expected}': the scan would miss a secret too");
        }

        var found = (from secret in _secrets from place in places where place.Holds(secret) select $"{secret.Kind} in {place.Name}").ToList();
        var tries = _secrets.Count * places.Count;
        var kinds = _secrets.GroupBy(s => s.Kind.Split(' ')[0]).Select(g => $"{g.Count()} {g.Key}");
        output.WriteLine($"{_secrets.Count} secrets × {places.Count} places = {tries} searches; {_server.Logs.Entries} log entries; found in clear: {found.Count}");
        foreach (var place in places) output.WriteLine($"  {place.Name}: {place.Size} bytes");
        foreach (var f in found) output.WriteLine("  FOUND " + f);
        ReliabilityLog.Record("Secrets", $"API keys, X-Tokens, signing secrets and passwords searched in a full database dump and Trace logs ({ProviderName})",
            tries, found.Count,
            $"{_secrets.Count} secrets ({string.Join(", ", kinds)}) × {places.Count} places ({string.Join("; ", places.Select(p => p.Name))}); " +
            $"{_server.Logs.Entries} log entries at Trace");
        Assert.True(found.Count == 0, "found in clear:\n" + string.Join('\n', found));
    }

    /// <summary>Values the scan must find, proving each place is really read: a URL stored in clear, a logged line, an uploaded file.</summary>
    private sealed record Canaries(string Stored, string Logged, string Uploaded);

    private async Task<Canaries> RunFlowAsync()
    {
        using var staff = _server.Api(_secrets[0].Value);
        var companyA = (await PostAsync(staff, "companies", new { name = "Secrets A" })).Str("company_id");
        var companyB = (await PostAsync(staff, "companies", new { name = "Secrets B" })).Str("company_id");

        // API keys: shown once, stored hashed; one of them revoked; one that never existed is tried.
        var keyA = Secret("client API key (company A)", (await PostAsync(staff, $"companies/{companyA}/api-keys", new { name = "erp" })).Str("key"));
        var keyB = Secret("client API key (company B)", (await PostAsync(staff, $"companies/{companyB}/api-keys", new { name = "erp" })).Str("key"));
        var revoked = await PostAsync(staff, $"companies/{companyA}/api-keys", new { name = "old" });
        Secret("client API key (revoked)", revoked.Str("key"));
        Check(await staff.DeleteAsync($"companies/{companyA}/api-keys/{revoked.Str("api_key_id")}"), "revoke");
        using (var unknown = _server.Api(Secret("client API key (unknown, refused)", "tlk_" + RandomText(32))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await unknown.GetAsync($"companies/{companyA}")).StatusCode);
        }

        using var clientA = _server.Api(keyA);
        using var clientB = _server.Api(keyB);

        // Passwords: a user made and then changed through the API, a staff user, one made in the portal later.
        var userName = "secrets.user";
        var firstPassword = Secret("password (user, first)", Password());
        var user = await PostAsync(clientA, "users", new { username = userName, first_name = "Sam", last_name = "Secret", email = "sam@a.example", phone = "555-0100", password = firstPassword });
        var password = Secret("password (user, changed)", Password());
        Check(await clientA.PatchAsJsonAsync($"users/{user.Str("user_id")}", new { first_name = "Sam", last_name = "Secret", email = "sam@a.example", phone = "555-0100", is_active = true, password }), "change password");
        await CreateStaffUserAsync("secrets.staff", Secret("password (staff user)", Password()));

        // Registrations: X-Tokens and whsec_ secrets; a rotation; a token changed; one made by staff for company B.
        var a1 = await WebhookAsync(clientA, null, "(any webhooks)", "/a1", "token (A, any)");
        var a2 = await WebhookAsync(clientA, null, "work order note added", "/a2", "token (A, notes, first)");
        var b1 = await WebhookAsync(clientB, null, "(any webhooks)", "/b1", "token (B, any)");
        await WebhookAsync(clientA, null, "site created", "/fail", "token (A, failing endpoint)");
        var b2 = await WebhookAsync(staff, companyB, "site created", "/b2", "token (B, made by staff)");
        Assert.Equal(a1.Secret, (await clientA.GetFromJsonAsync<JsonElement>($"webhooks/{a1.Id}/secret")).Str("signing_secret"));
        Secret("signing secret (A, any, rotated)", (await PostAsync(clientA, $"webhooks/{a1.Id}/secret/rotate", new { })).Str("signing_secret"));
        var a2Token = Secret("token (A, notes, changed)", "tok-" + RandomText(24));
        Check(await clientA.PatchAsJsonAsync($"webhooks/{a2.Id}", new { token = a2Token }), "change token");

        // Events, delivered by the dispatcher: to A's endpoints (one failing three times), to B's.
        var site = (await PostAsync(clientA, "sites", SiteBody("Store A"))).Str("site_id");
        var workOrder = (await PostAsync(clientA, "workorders", new { site_id = site, client_reference = "PO-1", title = "Install", description = "Install", priority = "high" })).Str("workorder_id");
        await PostAsync(clientA, $"workorders/{workOrder}/notes", new { content = "Dock opens at 7am." });
        var uploaded = "uploaded-canary-" + RandomText(12);
        using (var form = new MultipartFormDataContent())
        {
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes(uploaded));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(file, "file", "notes.txt");
            Check(await clientA.PostAsync($"workorders/{workOrder}/client-documents", form), "upload");
        }

        await PostAsync(clientB, "sites", SiteBody("Store B"));
        var tested = await PostAsync(clientA, $"webhooks/{a1.Id}/test", new { @event = "work order status change" });
        Assert.True(tested.GetProperty("success").GetBoolean(), tested.ToString());

        await _receiver.WaitForAsync(5, Wait, r => r.Path == "/a1");
        await _receiver.WaitForAsync(1, Wait, r => r.Path == "/a2");
        await _receiver.WaitForAsync(1, Wait, r => r.Path == "/b1");
        await _receiver.WaitForAsync(1, Wait, r => r.Path == "/b2");
        await _receiver.WaitForAsync(3, Wait, r => r.Path == "/fail");
        await NoPendingAsync(clientA, clientB);

        // A redelivery of a delivered event.
        var delivered = (await clientA.GetFromJsonAsync<JsonElement>($"webhooks/deliveries?webhook_id={a1.Id}&status=succeeded")).GetProperty("items")[0].Str("delivery_id");
        var before = _receiver.Received.Count(r => r.Path == "/a1");
        Check(await clientA.PostAsync($"webhooks/deliveries/{delivered}/redeliver", null), "redeliver");
        await _receiver.WaitForAsync(before + 1, Wait, r => r.Path == "/a1");

        // The portal: a wrong password, the right one, a registration with a token, Reveal, Rotate, Test, a new account, logout.
        using var portal = new PortalClient(_server.BaseUrl);
        Secret("password (mistyped at login)", Password());
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync("/login", new() { ["username"] = userName, ["password"] = _secrets[^1].Value }, "/login")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await portal.PostAsync("/login", new() { ["username"] = userName, ["password"] = password }, "/login")).StatusCode);
        var webhooksPage = $"/companies/{companyA}/webhooks";
        var portalToken = Secret("token (A, made in the portal)", "tok-" + RandomText(24));
        var portalUrl = _receiver.Url("/a5").ToString();
        Assert.Equal(HttpStatusCode.Redirect, (await portal.PostAsync(webhooksPage + "?handler=Create",
            new() { ["Form.Type"] = "(any webhooks)", ["Form.Url"] = portalUrl, ["Form.Token"] = portalToken, ["Form.Enabled"] = "true" }, webhooksPage)).StatusCode);
        var a5 = (await clientA.GetFromJsonAsync<JsonElement>("webhooks")).GetProperty("items").EnumerateArray().Single(r => r.Str("url") == portalUrl).Str("webhook_id");
        foreach (var (handler, kind) in new[] { ("Reveal", "signing secret (A, made in the portal)"), ("Rotate", "signing secret (A, made in the portal, rotated)") })
        {
            using var answer = await portal.PostAsync($"{webhooksPage}?handler={handler}&id={a5}", [], webhooksPage);
            var page = await answer.Content.ReadAsStringAsync();
            Secret(kind, SigningSecretOnPage().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
                : throw new InvalidOperationException($"{handler}: {(int)answer.StatusCode}, no secret on the page: {page[Math.Max(0, page.IndexOf("<main", StringComparison.Ordinal))..][..2000]}"));
        }

        var testPage = await (await portal.PostAsync($"{webhooksPage}?handler=Test&id={a5}", new() { ["testEvent"] = "work order note added" }, webhooksPage)).Content.ReadAsStringAsync();
        Assert.Contains("Delivered", testPage, StringComparison.Ordinal);
        var usersPage = $"/companies/{companyA}/users";
        Assert.Equal(HttpStatusCode.Redirect, (await portal.PostAsync(usersPage + "?handler=Create", new()
        {
            ["Form.Username"] = "portal.made", ["Form.FirstName"] = "Pat", ["Form.LastName"] = "Portal", ["Form.Email"] = "pat@a.example",
            ["Form.Password"] = Secret("password (user made in the portal)", Password()), ["Form.IsActive"] = "true",
        }, usersPage)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await portal.PostAsync("/logout", [], "/logout")).StatusCode);
        await NoPendingAsync(clientA, clientB);

        // The receiver saw every token it should: they were really in use, only the sender must not keep them in clear.
        foreach (var (path, token) in new[] { ("/a1", a1.Token), ("/a2", a2Token), ("/b1", b1.Token), ("/b2", b2.Token), ("/a5", portalToken) })
        {
            Assert.Contains(_receiver.Received, r => r.Path == path && r.Headers.GetValueOrDefault("x-token") == token);
        }

        var logged = "logged-canary-" + RandomText(12);
        _server.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TechLink.Security.Tests").LogTrace("Canary {Value}", logged);
        return new Canaries(_receiver.Url("/a1").ToString(), logged, uploaded);
    }

    private async Task<List<Place>> ScanWhileRunningAsync()
    {
        var places = new List<Place>();
        if (_server.ConnectionString is null)
        {
            var (text, bytes) = SecretScanner.SqliteDump(_server.SqlitePath);
            places.Add(text);
            places.Add(bytes);
            places.Add(Place.OfBytes("SQLite: raw database, WAL and SHM files, server running",
                [SecretScanner.RawFile(_server.SqlitePath), SecretScanner.RawFile(_server.SqlitePath + "-wal"), SecretScanner.RawFile(_server.SqlitePath + "-shm")]));
        }
        else
        {
            places.Add(await SecretScanner.PostgresRowsAsync(_server.ConnectionString));
            var (dump, note) = await SecretScanner.PgDumpAsync(_server.ConnectionString);
            output.WriteLine("pg_dump: " + note);
            if (dump is not null) places.Add(dump);
            else if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail("pg_dump could not dump the database in CI: " + note);
        }

        return places;
    }

    private IEnumerable<Place> ScanAfterStop()
    {
        var places = new List<Place>();
        if (_server.ConnectionString is null)
        {
            places.Add(Place.OfBytes("SQLite: raw database and WAL files after shutdown", [SecretScanner.RawFile(_server.SqlitePath), SecretScanner.RawFile(_server.SqlitePath + "-wal")]));
        }

        places.Add(SecretScanner.Files("files under DataPath but the database (stored files, Data Protection key ring)", _server.DataPath,
            "techlink.db", "techlink.db-wal", "techlink.db-shm"));
        return places;
    }

    private async Task<(string Id, string Token, string Secret)> WebhookAsync(HttpClient client, string? companyId, string type, string path, string tokenKind)
    {
        var token = Secret(tokenKind, "tok-" + RandomText(24));
        var created = await PostAsync(client, "webhooks", new { company_id = companyId, type, url = _receiver.Url(path).ToString(), token });
        Assert.NotEqual(token, created.Str("token"));
        var secret = Secret("signing secret " + tokenKind["token ".Length..], created.Str("signing_secret"));
        return (created.Str("webhook_id"), token, secret);
    }

    private async Task CreateStaffUserAsync(string userName, string password)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var now = DateTime.UtcNow;
        var result = await users.CreateAsync(new User { UserName = userName, IsStaff = true, FirstName = "Sue", LastName = "Staff", CreatedAt = now, UpdatedAt = now }, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>Waits (polling with a deadline) until no delivery of either company is pending.</summary>
    private static async Task NoPendingAsync(params HttpClient[] clients)
    {
        var deadline = DateTime.UtcNow + Wait;
        foreach (var client in clients)
        {
            while ((await client.GetFromJsonAsync<JsonElement>("webhooks/deliveries?status=pending")).GetProperty("items").GetArrayLength() > 0)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("deliveries still pending");
                await Task.Delay(200);
            }
        }
    }

    private string Secret(string kind, string value)
    {
        _secrets.Add(new Secret(kind, value));
        return value;
    }

    private static object SiteBody(string name) => new
    {
        name, site_number = "1", address1 = "1 Main Street", address2 = "", city = "Seattle", state = "WA", postal_code = "98101", country = "US",
        phone = "555-0100", contact_name = "Manager", timezone = "America/Los_Angeles",
    };

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static void Check(HttpResponseMessage response, string what)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }

    /// <summary>A password Identity accepts (a digit, a lower and an upper case letter) with 18 random characters after it.</summary>
    private static string Password() => "Pw1-" + RandomText(18);

    /// <summary>Random letters and digits: nothing that any encoding (URL, JSON, HTML) would change.</summary>
    private static string RandomText(int length) => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);

    [GeneratedRegex("data-testid=\"signing-secret\">(whsec_[^<]+)<")]
    private static partial Regex SigningSecretOnPage();
}

public sealed class SecretsAtRestSqliteTests(ITestOutputHelper output) : SecretsAtRestTests(output)
{
    protected override string ProviderName => "SQLite";

    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class SecretsAtRestPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : SecretsAtRestTests(output)
{
    protected override string ProviderName => "PostgreSQL";

    protected override async Task<string?> ConnectionStringAsync() => await postgres.Cluster.CreateDatabaseAsync("secrets");
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

internal static class JsonExtensions
{
    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
