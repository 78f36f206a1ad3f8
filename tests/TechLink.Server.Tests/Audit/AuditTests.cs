using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Audit;

/// <summary>
/// Issue 17, point 6: <c>GET /api/v1/audit</c> records who did what to registrations, secrets, API keys, users and
/// sites, once per action, in the action's transaction, never with a credential's value, and a client sees only its
/// own company's entries.
/// </summary>
public abstract class AuditTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static async Task<IReadOnlyList<JsonElement>> AuditAsync(HttpClient client, string query = "") =>
        (await client.GetJsonAsync("/api/v1/audit?limit=1000" + (query.Length > 0 ? "&" + query : ""))).Items();

    private static IReadOnlyList<string> Actions(IEnumerable<JsonElement> entries) => [.. entries.Select(e => e.Str("action"))];

    private static JsonElement Change(JsonElement entry, string field) => entry.GetProperty("changes").GetProperty(field);

    [Fact]
    public async Task Webhook_EveryAction_OneEntryEachNewestFirstWithoutCredentials()
    {
        var tenant = await App.NewTenantAsync();
        const string token = "tok-SECRETVALUE-1234";
        var created = await tenant.CreateWebhookAsync("work order note added", new Uri("http://127.0.0.1:9/a"), token);
        var id = created.Str("webhook_id");
        var secret = created.Str("signing_secret");
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { url = "http://127.0.0.1:9/b", token = "tok-OTHERVALUE-5678" });
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { enabled = false });
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{id}", new { enabled = true });
        await tenant.Client.GetJsonAsync($"/api/v1/webhooks/{id}/secret");
        var rotated = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/secret/rotate", null, HttpStatusCode.OK);
        (await tenant.Client.DeleteAsync($"/api/v1/webhooks/{id}")).EnsureSuccessStatusCode();

        var entries = (await AuditAsync(tenant.Client)).Where(e => e.Str("target_type") == "webhook").ToList();
        Assert.Equal(["webhook.deleted", "webhook.secret_rotated", "webhook.secret_revealed", "webhook.enabled", "webhook.disabled", "webhook.updated", "webhook.created"], Actions(entries));
        Assert.All(entries, e =>
        {
            Assert.Equal(id, e.Str("target_id"));
            Assert.Equal(tenant.CompanyId, e.Str("company_id"));
            Assert.Matches(@"^api_key:\d+ \(tests\)$", e.Str("actor"));
            Assert.EndsWith("Z", e.Str("at"), StringComparison.Ordinal);
        });

        var update = entries[5];
        Assert.Equal("http://127.0.0.1:9/a", Change(update, "url").Str("from"));
        Assert.Equal("http://127.0.0.1:9/b", Change(update, "url").Str("to"));
        Assert.Equal("(set)", Change(update, "token").Str("to"));
        Assert.Equal(["token", "url"], update.GetProperty("changes").Names().Order(StringComparer.Ordinal));
        Assert.Equal("work order note added", Change(entries[6], "type").Str("to"));
        Assert.Equal(JsonValueKind.Null, entries[4].GetProperty("changes").ValueKind);

        var raw = string.Join('\n', entries.Select(e => e.GetRawText()));
        foreach (var credential in new[] { token, "tok-OTHERVALUE-5678", "5678", "1234", secret, rotated.Str("signing_secret") })
        {
            Assert.DoesNotContain(credential, raw, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PauseResumeAndReplay_EachHasItsEntry()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("work order note added", new Uri("http://127.0.0.1:9/ops"))).Str("webhook_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/pause", null, HttpStatusCode.OK);
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/pause", null, HttpStatusCode.OK); // already paused: no entry
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/resume", null, HttpStatusCode.OK);
        var replay = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/replay",
            new { since = "2026-01-01T00:00:00Z", until = "2030-01-01T00:00:00Z", only_failed = false }, HttpStatusCode.Accepted);

        var entries = (await AuditAsync(tenant.Client)).Where(e => e.Str("target_type") == "webhook").ToList();
        Assert.Equal(["webhook.replayed", "webhook.resumed", "webhook.paused", "webhook.created"], Actions(entries));
        var replayed = entries[0];
        Assert.Equal(replay.Str("replay_id"), Change(replayed, "replay_id").Str("to"));
        Assert.Equal("2026-01-01T00:00:00Z", Change(replayed, "since").Str("to"));
        Assert.False(Change(replayed, "only_failed").GetProperty("to").GetBoolean());
        Assert.All(entries, e => Assert.Matches(@"^api_key:\d+ \(tests\)$", e.Str("actor")));
    }

    [Fact]
    public async Task UsersSitesAndKeys_EachActionHasItsEntry()
    {
        var tenant = await App.NewTenantAsync();
        var user = await tenant.Client.PostJsonAsync("/api/v1/users",
            new { username = "u" + Guid.NewGuid().ToString("N")[..10], first_name = "Jane", last_name = "Doe", email = "jane@example.com", phone = "1", password = "Secret-Pass-99" },
            HttpStatusCode.Created);
        var userId = user.Str("user_id");
        await tenant.Client.PatchJsonAsync($"/api/v1/users/{userId}", new { first_name = "Janet", password = "Other-Pass-77" });
        await tenant.Client.PatchJsonAsync($"/api/v1/users/{userId}", new { is_active = false });
        var site = await tenant.CreateSiteAsync();
        var siteId = site.Str("site_id");
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{siteId}", new { city = "Portland" });
        var key = await tenant.Staff.PostJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys", new { name = "second" }, HttpStatusCode.Created);
        (await tenant.Staff.DeleteAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys/{key.Str("api_key_id")}")).EnsureSuccessStatusCode();

        var entries = await AuditAsync(tenant.Client);
        Assert.Equal(["api_key.revoked", "api_key.created", "site.updated", "site.created", "user.deactivated", "user.updated", "user.created", "api_key.created", "company.created"], Actions(entries));
        var userUpdate = entries.Single(e => e.Str("action") == "user.updated");
        Assert.Equal("Jane", Change(userUpdate, "first_name").Str("from"));
        Assert.Equal("Janet", Change(userUpdate, "first_name").Str("to"));
        Assert.Equal("(set)", Change(userUpdate, "password").Str("to"));
        Assert.Equal(userId, userUpdate.Str("target_id"));
        var siteUpdate = entries.Single(e => e.Str("action") == "site.updated");
        Assert.Equal(["city"], siteUpdate.GetProperty("changes").Names());
        Assert.Equal("Portland", Change(siteUpdate, "city").Str("to"));
        Assert.Equal("second", Change(entries[1], "name").Str("to"));
        Assert.StartsWith("api_key:", entries[0].Str("actor"), StringComparison.Ordinal);
        var raw = string.Join('\n', entries.Select(e => e.GetRawText()));
        Assert.DoesNotContain("Pass-", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Str("key"), raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedCommit_WritesNoEntry()
    {
        var tenant = await App.NewTenantAsync();
        var id = (await tenant.CreateWebhookAsync("work order note added", new Uri("http://127.0.0.1:9/a"))).Str("webhook_id");
        var site = (await tenant.CreateSiteAsync()).Str("site_id");
        var before = await AuditAsync(tenant.Client);

        foreach (var (method, path, body) in new (HttpMethod, string, object)[]
        {
            (HttpMethod.Patch, $"/api/v1/webhooks/{id}", new { url = "http://127.0.0.1:9/b", enabled = false }),
            (HttpMethod.Patch, $"/api/v1/sites/{site}", new { city = "Nowhere" }),
            (HttpMethod.Post, "/api/v1/users", new { username = "doomed" + Guid.NewGuid().ToString("N")[..8] }),
            (HttpMethod.Post, "/api/v1/webhooks", new { type = "work order note added", url = "http://127.0.0.1:9/c" }),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Add(CommitFault.Header, "1");
            await (await tenant.Client.SendAsync(request)).ReadAsync(HttpStatusCode.InternalServerError);
        }

        Assert.Equal(Actions(before), Actions(await AuditAsync(tenant.Client)));
        // The same change without the fault is recorded: the fault, not the request, kept it out.
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{site}", new { city = "Nowhere" });
        Assert.Equal("site.updated", (await AuditAsync(tenant.Client))[0].Str("action"));
    }

    [Fact]
    public async Task Tenancy_ClientSeesOnlyItsOwnCompany_StaffSeesAny()
    {
        var a = await App.NewTenantAsync();
        var b = await App.NewTenantAsync();
        await a.CreateSiteAsync();
        await b.CreateSiteAsync();

        var seenByB = await AuditAsync(b.Client);
        Assert.NotEmpty(seenByB);
        Assert.All(seenByB, e => Assert.Equal(b.CompanyId, e.Str("company_id")));
        // A client's company_id is ignored, as on every list: naming another company shows its own entries.
        Assert.Equal(Actions(seenByB), Actions(await AuditAsync(b.Client, $"company_id={a.CompanyId}")));
        Assert.Equal(Actions(seenByB), Actions(await AuditAsync(b.Client, $"company_id={b.CompanyId}")));

        var staffA = await AuditAsync(a.Staff, $"company_id={a.CompanyId}");
        Assert.Equal(["site.created", "api_key.created", "company.created"], Actions(staffA));
        Assert.Contains(await AuditAsync(a.Staff), e => e.Str("company_id") == b.CompanyId);
    }

    [Fact]
    public async Task SinceLimitAndCursor_PageNewestFirst_BadInputIs400()
    {
        var tenant = await App.NewTenantAsync();
        for (var i = 0; i < 3; i++) await tenant.CreateSiteAsync();
        var all = await AuditAsync(tenant.Client);
        Assert.Equal(5, all.Count);

        var first = await tenant.Client.GetJsonAsync("/api/v1/audit?limit=2");
        var second = await tenant.Client.GetJsonAsync($"/api/v1/audit?limit=2&cursor={first.Str("next_cursor")}");
        Assert.Equal(all.Take(4).Select(e => e.Str("audit_id")), first.Items().Concat(second.Items()).Select(e => e.Str("audit_id")));

        Assert.Empty(await AuditAsync(tenant.Client, "since=2999-01-01T00:00:00Z"));
        Assert.Equal(5, (await AuditAsync(tenant.Client, "since=2000-01-01T00:00:00Z")).Count);
        await (await tenant.Client.GetAsync("/api/v1/audit?since=yesterday")).AssertValidationAsync("since");
        await (await tenant.Staff.GetAsync("/api/v1/audit?company_id=abc")).AssertValidationAsync("company_id");
        await (await tenant.Client.GetAsync("/api/v1/audit?limit=0")).AssertValidationAsync("limit");
    }
}

public sealed class AuditTestsSqlite(AppFixture fixture) : AuditTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class AuditTestsPostgres(AppFixture fixture, PostgresFixture postgres) : AuditTests(fixture, postgres), IClassFixture<AppFixture>;
