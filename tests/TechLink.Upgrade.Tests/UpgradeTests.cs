using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Testing;
using TechLink.Upgrade.Tests.Infrastructure;
using TechLink.Webhooks;

namespace TechLink.Upgrade.Tests;

/// <summary>
/// A deployment of the old release (<see cref="UpgradedDeployment.Release"/>) opened in place by the current code: every
/// row kept, the old migrations recognised, old credentials and secrets still good, pending deliveries sent after the
/// upgrade with their old token and secret, failed ones left alone, the event feed and stored files intact.
/// </summary>
public abstract class UpgradeTests(UpgradedDeployment deployment)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private FixtureManifest Manifest => deployment.Manifest;

    private IReadOnlyList<DeliveryRow> OldPending => [.. deployment.Before.Deliveries.Where(d => d.Status == DeliveryRow.Pending)];

    [Fact]
    public void Fixture_MadeByOldRelease_HoldsEveryKindOfState()
    {
        var before = deployment.Before;
        Assert.Equal(UpgradedDeployment.Release, Manifest.Release);
        Assert.Equal(Manifest.Deliveries.Succeeded, before.Deliveries.Count(d => d.Status == DeliveryRow.Succeeded));
        Assert.Equal(Manifest.Deliveries.Failed, before.Deliveries.Count(d => d.Status == DeliveryRow.Failed && d.AttemptCount == 3));
        Assert.Equal(Manifest.Deliveries.PendingAfterAFailedAttempt, OldPending.Count(d => d.AttemptCount > 0));
        Assert.Equal(Manifest.Deliveries.PendingNeverAttempted, OldPending.Count(d => d.AttemptCount == 0));
        Assert.All(new[] { Manifest.Deliveries.Succeeded, Manifest.Deliveries.Failed, Manifest.Deliveries.PendingAfterAFailedAttempt, Manifest.Deliveries.PendingNeverAttempted },
            n => Assert.True(n > 0, "the fixture lacks a delivery state"));
        Assert.Contains(Manifest.Webhooks, w => w.PreviousSigningSecret is not null);
        Assert.NotEmpty(Manifest.Files);
        // The retries were due a minute or two after the fixture was made: long past by the time anyone runs this.
        Assert.True(OldPending.Max(d => d.NextAttemptAt) < deployment.UpgradedAt,
            $"pending deliveries fall due at {OldPending.Max(d => d.NextAttemptAt):O}, after the upgrade started ({deployment.UpgradedAt:O})");
    }

    [Fact]
    public async Task Startup_OldDatabase_KeepsEveryRowOfEveryTable()
    {
        var after = await DatabaseSnapshot.TakeAsync(deployment.Provider, deployment.Connect);
        Assert.True(deployment.Before.Tables.Count >= 20, $"only {deployment.Before.Tables.Count} tables in the old database");
        foreach (var old in deployment.Before.Tables)
        {
            var now = after.Tables.SingleOrDefault(t => t.Table == old.Table);
            Assert.True(now is not null, $"table {old.Table} is gone after the upgrade");
            if (old.MaxId is { } maxId)
            {
                // New rows (the attempts of the deliveries sent since) come after the old ones; every old id must be there.
                Assert.True(old.Rows == await DatabaseSnapshot.RowsUpToAsync(deployment.Connect, old.Table, maxId), $"{old.Table}: old rows lost");
            }
            else
            {
                Assert.True(now.Rows >= old.Rows, $"{old.Table}: {old.Rows} rows before, {now.Rows} after");
            }
        }

        Assert.Equal(deployment.Before.Deliveries.Select(d => d.Id), after.Deliveries.Where(d => d.Id <= deployment.Before.Deliveries.Max(o => o.Id)).Select(d => d.Id));
        Assert.Equal(deployment.Before.Events, after.Events.Where(e => e.Id <= deployment.Before.Events.Max(o => o.Id)));
    }

    [Fact]
    public async Task Startup_OldDatabase_RecognisesTheOldMigrationsAsApplied()
    {
        // What the old release had applied: exactly its two migrations.
        Assert.Equal(["InitialCreate", "DeliveriesByEndpointAndDue"], deployment.Before.Migrations.Select(m => m[(m.IndexOf('_', StringComparison.Ordinal) + 1)..]));
        var after = await DatabaseSnapshot.TakeAsync(deployment.Provider, deployment.Connect);
        Assert.All(deployment.Before.Migrations, m => Assert.Contains(m, after.Migrations));
    }

    [Fact]
    public async Task ApiKeys_MadeByOldRelease_StillAuthenticate()
    {
        foreach (var staff in Manifest.StaffApiKeys)
        {
            using var client = deployment.Client(staff.Key);
            var companies = await GetAsync(client, "/api/v1/companies?limit=1000");
            var ids = companies.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("company_id").GetString()).ToList();
            Assert.All(Manifest.ClientApiKeys, k => Assert.Contains(k.CompanyId, ids));
        }

        foreach (var key in Manifest.ClientApiKeys)
        {
            using var client = deployment.Client(key.Key);
            Assert.Equal(key.CompanyId, (await GetAsync(client, $"/api/v1/companies/{key.CompanyId}")).GetProperty("company_id").GetString());
            // Still the company's key, not a staff one.
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(new Uri("/api/v1/companies", UriKind.Relative))).StatusCode);
        }

        using var stranger = deployment.Client("tlk_not_a_key_of_this_deployment_0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync(new Uri("/api/v1/workorders", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task PortalLogin_OldPasswords_StillSignIn()
    {
        foreach (var user in Manifest.PortalUsers)
        {
            using var portal = new PortalClient(deployment.Server.BaseUrl);
            using var login = await portal.PostAsync("/login", new() { ["username"] = user.Username, ["password"] = user.Password }, "/login");
            Assert.True(login.StatusCode == HttpStatusCode.Redirect, $"{user.Username}: login answered {(int)login.StatusCode}, not a redirect into the portal");
            Assert.Equal("/portal", login.Headers.Location?.OriginalString);
            // Signed in as that user: the portal sends a client to its company's page, staff to the list of companies.
            using var start = await portal.GetAsync("/portal");
            var home = user.CompanyId is null ? "/companies" : $"/companies/{user.CompanyId}";
            Assert.Equal(home, start.Headers.Location?.OriginalString);
            using var page = await portal.GetAsync(home);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // The control: a wrong password is refused, so the redirects above mean the old hashes matched.
        using var wrong = new PortalClient(deployment.Server.BaseUrl);
        var first = Manifest.PortalUsers[0];
        using var refused = await wrong.PostAsync("/login", new() { ["username"] = first.Username, ["password"] = first.Password + "x" }, "/login");
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
    }

    [Fact]
    public async Task Registrations_OldKeyRing_TokensAndSecretsStillDecrypt()
    {
        foreach (var hook in Manifest.Webhooks)
        {
            using var client = deployment.Client(Manifest.KeyOf(hook.CompanyId));
            var secret = await GetAsync(client, $"/api/v1/webhooks/{hook.WebhookId}/secret");
            Assert.Equal(hook.SigningSecret, secret.GetProperty("signing_secret").GetString());
            Assert.Equal(hook.PreviousSecretExpiresAt, secret.GetProperty("previous_secret_expires_at").ValueKind == JsonValueKind.Null
                ? null : secret.GetProperty("previous_secret_expires_at").GetDateTime().ToUniversalTime());
            var registration = await GetAsync(client, $"/api/v1/webhooks/{hook.WebhookId}");
            Assert.Equal(new string('*', hook.Token.Length - 4) + hook.Token[^4..], registration.GetProperty("token").GetString());
        }
    }

    [Fact]
    public async Task PendingDeliveries_AfterUpgrade_GoOutWithOldTokenAndSignature()
    {
        var pending = OldPending;
        var ids = pending.Select(d => d.WebhookId).ToHashSet();
        var arrived = await deployment.Receiver.WaitForAsync(pending.Count, Wait, r => ids.Contains(r.Headers.GetValueOrDefault("webhook-id") ?? ""));
        foreach (var delivery in pending)
        {
            var request = arrived.First(r => r.Headers["webhook-id"] == delivery.WebhookId);
            var hook = Manifest.Webhooks.Single(w => w.WebhookId == delivery.EndpointId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(hook.Path, request.Path);
            Assert.Equal(deployment.Before.Events.Single(e => e.Id == delivery.MessageId).Payload, request.Body);
            var headers = WebhookHeaders.From(h => request.Headers.GetValueOrDefault(h.ToLowerInvariant()));
            var verified = new WebhookVerifier(hook.Token, [hook.SigningSecret]).Verify(headers, request.Body);
            Assert.True(verified.IsValid, $"delivery {delivery.Id} to {hook.Path}: {verified.Message}");
            if (hook.PreviousSigningSecret is { } previous)
            {
                // The contract: the replaced secret signs beside the new one for 24 hours after the rotation, then no more.
                var stillSigning = request.ReceivedAt < hook.PreviousSecretExpiresAt;
                Assert.Equal(stillSigning, new WebhookVerifier(null, [previous]).Verify(headers, request.Body).IsValid);
            }
        }

        using var staff = deployment.Staff();
        foreach (var delivery in pending)
        {
            var row = await PollAsync(staff, $"/api/v1/webhooks/deliveries/{delivery.Id}", d => d.GetProperty("status").GetString() == "succeeded");
            // At least one attempt more than before (a slow answer on a busy machine may cost one), the old ones kept.
            Assert.True(row.GetProperty("attempt_count").GetInt32() > delivery.AttemptCount, $"delivery {delivery.Id}: {row}");
            Assert.Equal(row.GetProperty("attempt_count").GetInt32(), row.GetProperty("attempts").GetArrayLength());
        }
    }

    [Fact]
    public async Task FailedDeliveries_AfterUpgrade_StayFailedAndUnsent()
    {
        var pending = OldPending.Select(d => d.WebhookId).ToHashSet();
        await deployment.Receiver.WaitForAsync(pending.Count, Wait, r => pending.Contains(r.Headers.GetValueOrDefault("webhook-id") ?? ""));
        var failed = deployment.Before.Deliveries.Where(d => d.Status == DeliveryRow.Failed).ToList();
        Assert.DoesNotContain(deployment.Receiver.Received, r => failed.Any(f => f.WebhookId == r.Headers.GetValueOrDefault("webhook-id")));
        using var staff = deployment.Staff();
        var page = await GetAsync(staff, "/api/v1/webhooks/deliveries?status=failed&limit=1000");
        var listed = page.GetProperty("items").EnumerateArray().ToDictionary(d => d.GetProperty("delivery_id").GetString()!, d => d.GetProperty("attempt_count").GetInt32());
        Assert.All(failed, f => Assert.Equal(f.AttemptCount, listed.GetValueOrDefault(f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task EventFeed_AfterUpgrade_KeepsEveryOldEvent()
    {
        using var staff = deployment.Staff();
        var feed = await ReadFeedAsync(staff);
        foreach (var old in deployment.Before.Events)
        {
            Assert.True(feed.TryGetValue(old.Id, out var e), $"event {old.Id} ({old.Type}) is missing from the feed");
            Assert.Equal(old.Type, e.GetProperty("type").GetString());
            // A photo/document URL is signed when the feed is read (issue 17): the same but for its token and expiry.
            Assert.Equal(WithoutUrlToken(old.Payload), WithoutUrlToken(e.GetProperty("payload").GetRawText()));
        }

        foreach (var key in Manifest.ClientApiKeys)
        {
            using var client = deployment.Client(key.Key);
            var own = deployment.Before.Events.Where(e => e.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture) == key.CompanyId).Select(e => e.Id);
            Assert.Equal(own, (await ReadFeedAsync(client)).Keys.Where(id => id <= deployment.Before.Events.Max(e => e.Id)));
        }
    }

    private static string WithoutUrlToken(string payload)
    {
        var root = JsonNode.Parse(payload)!;
        if (root["data"]?["url"]?.GetValue<string>() is { } url && url.LastIndexOf("/files/", StringComparison.Ordinal) is var at and >= 0)
        {
            root["data"]!["url"] = url[..(at + "/files/".Length)];
            root["data"]!["url_expires_at"] = "(signed when read)";
        }

        return root.ToJsonString();
    }

    [Fact]
    public async Task StoredFiles_AfterUpgrade_DownloadWithTheirOldBytes()
    {
        foreach (var file in Manifest.Files)
        {
            using var client = deployment.Client(Manifest.KeyOf(file.CompanyId));
            using var raw = await client.GetAsync(new Uri($"/api/v1/workorders/{file.WorkorderId}/{file.Kind}/{file.Id}/raw", UriKind.Relative));
            Assert.True(raw.StatusCode == HttpStatusCode.OK, $"{file.Kind} {file.Id}: {(int)raw.StatusCode}");
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(await raw.Content.ReadAsByteArrayAsync())));
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>GETs <paramref name="path"/> until <paramref name="done"/> holds, within <see cref="Wait"/>.</summary>
    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var answer = await GetAsync(client, path);
            if (done(answer)) return answer;
            Assert.True(DateTime.UtcNow < deadline, $"GET {path} never reached the expected state: {answer}");
            await Task.Delay(100);
        }
    }

    /// <summary>The caller's whole event feed from the beginning, by event id.</summary>
    private static async Task<Dictionary<long, JsonElement>> ReadFeedAsync(HttpClient client)
    {
        var feed = new Dictionary<long, JsonElement>();
        string? cursor = null;
        do
        {
            var page = await GetAsync(client, "/api/v1/events?since=0&limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
            foreach (var e in page.GetProperty("items").EnumerateArray())
            {
                feed.Add(long.Parse(e.GetProperty("event_id").GetString()!, System.Globalization.CultureInfo.InvariantCulture), e);
            }

            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return feed;
    }
}
