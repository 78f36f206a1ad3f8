using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Process;

/// <summary>
/// The real server process killed with SIGKILL in the middle of a burst: every event the feed shows as committed is
/// delivered at least once after recovery, and copies of one event to one registration share their webhook-id.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashRecoveryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const int Burst = 200;
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-process-tests", Guid.NewGuid().ToString("N")[..12]);
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        _receiver = await LoopbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed record Setup(string CompanyId, string Key, string WorkOrderId);

    private async Task<Setup> SetUpAsync(ServerProcess server)
    {
        var staff = server.Client(TechLinkApp.StaffKey);
        var company = await staff.PostJsonAsync("/api/v1/companies", new { name = "Crash Co" }, HttpStatusCode.Created);
        var key = (await staff.PostJsonAsync($"/api/v1/companies/{company.Str("company_id")}/api-keys", new { name = "k" }, HttpStatusCode.Created)).Str("key");
        var client = server.Client(key);
        await client.PostJsonAsync("/api/v1/webhooks", new { type = "(any webhooks)", url = _receiver.Url("/crash").ToString() }, HttpStatusCode.Created);
        var site = await client.PostJsonAsync("/api/v1/sites", new { name = "S", timezone = "America/Los_Angeles" }, HttpStatusCode.Created);
        var wo = await client.PostJsonAsync("/api/v1/workorders", new { site_id = site.Str("site_id"), title = "burst" }, HttpStatusCode.Created);
        return new Setup(company.Str("company_id"), key, wo.Str("workorder_id"));
    }

    /// <summary>Posts notes with a few in flight; calls <paramref name="midway"/> once after <paramref name="killAfter"/> succeeded.</summary>
    private static async Task<int> BurstAsync(HttpClient client, string workOrderId, int killAfter, Func<Task> midway)
    {
        var done = 0;
        var fired = 0;
        var next = 0;
        async Task Worker()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i > Burst) return;
                try
                {
                    var response = await client.PostAsJsonAsync2($"/api/v1/workorders/{workOrderId}/notes", new { content = $"note {i}" });
                    if (response.StatusCode == HttpStatusCode.Created && Interlocked.Increment(ref done) == killAfter && Interlocked.Exchange(ref fired, 1) == 0)
                    {
                        await midway();
                    }
                }
                catch (HttpRequestException)
                {
                    // The node behind this client died: the request may or may not have committed; the feed decides.
                }
                catch (TaskCanceledException)
                {
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
        return done;
    }

    private static string Canonical(JsonElement e) => JsonNode.Parse(e.GetRawText())!.ToJsonString();

    private static string Canonical(string body) => JsonNode.Parse(body)!.ToJsonString();

    /// <summary>Waits until every payload of the feed has arrived; answers the received webhook-ids per payload.</summary>
    private async Task AssertEveryCommittedEventDeliveredAsync(HttpClient client, string diagnostics)
    {
        var feed = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync("/api/v1/events?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
            feed.AddRange(page.Items().Select(e => e.GetProperty("payload")));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        Assert.True(feed.Count > 60, $"only {feed.Count} events committed");
        var expected = feed.Select(Canonical).ToHashSet();
        Assert.Equal(feed.Count, expected.Count);

        var deadline = DateTime.UtcNow.AddSeconds(90);
        HashSet<string> missing;
        while (true)
        {
            var arrived = _receiver.Received.Select(r => Canonical(r.Body)).ToHashSet();
            missing = [.. expected.Where(p => !arrived.Contains(p))];
            if (missing.Count == 0 || DateTime.UtcNow > deadline) break;
            try
            {
                await _receiver.WaitForAsync(_receiver.Received.Count + 1, TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
                // Recovery waits for the dead node's leases to expire: keep looking until the deadline.
            }
        }

        if (missing.Count > 0) Assert.Fail($"{missing.Count} of {expected.Count} committed events never arrived, e.g. {missing.First()}\n{diagnostics}");
        var idsPerPayload = _receiver.Received.GroupBy(r => Canonical(r.Body)).ToDictionary(g => g.Key, g => g.Select(r => r.Headers["webhook-id"]).Distinct().ToList());
        Assert.All(idsPerPayload, p => Assert.True(p.Value.Count == 1, $"copies of one event carry different webhook-ids: {string.Join(", ", p.Value)}"));
        Assert.All(idsPerPayload.Keys, p => Assert.Contains(p, expected));
    }

    [Fact]
    public async Task SqliteServer_KilledMidBurstAndRestarted_EveryCommittedEventDelivered()
    {
        var first = await ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null);
        var setup = await SetUpAsync(first);
        await BurstAsync(first.Client(setup.Key), setup.WorkOrderId, killAfter: 80, first.KillAsync);
        await first.KillAsync();
        var output = first.Output;
        await first.DisposeAsync();

        await using var second = await ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null);
        await AssertEveryCommittedEventDeliveredAsync(second.Client(setup.Key), output + second.Output);
    }

    [Fact]
    public async Task PostgresThreeNodes_OneDispatcherKilledMidRun_NothingLost()
    {
        var cs = await postgres.Cluster.CreateDatabaseAsync("crash");
        // One DataPath for the three nodes, as one deployment shares its stored files (the key ring is in the database): registration
        // secrets are encrypted with it, and a dispatcher with a ring of its own cannot decrypt them.
        await using var api = await ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "all");
        await using var victim = await ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "dispatcher");
        await using var survivor = await ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "dispatcher");
        var setup = await SetUpAsync(api);
        var committed = await BurstAsync(api.Client(setup.Key), setup.WorkOrderId, killAfter: 60, victim.KillAsync);
        Assert.Equal(Burst, committed);
        await AssertEveryCommittedEventDeliveredAsync(api.Client(setup.Key), api.Output + victim.Output + survivor.Output);
    }
}

internal static class HttpClientJson
{
    public static Task<HttpResponseMessage> PostAsJsonAsync2<T>(this HttpClient client, string path, T body) =>
        System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, path, body);
}
