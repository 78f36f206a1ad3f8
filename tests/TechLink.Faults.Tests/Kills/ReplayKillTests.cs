using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Kills;

/// <summary>
/// A replay of many failed deliveries, with the node SIGKILLed half-way: after the restart every replayed delivery
/// arrives, and none twice unless the killed process held it in flight. Then a pause, SIGKILL while paused, restart and
/// resume: the parked deliveries all arrive, once.
/// </summary>
public sealed class ReplayKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Notes = 300;
    private const int PausedNotes = 100;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-fault-tests", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static Dictionary<string, string?> Settings(string nodeId) => new()
    {
        ["TechLink:Delivery:NodeId"] = nodeId,
        // One attempt: the outage fails every delivery at once, so the replay has plenty to do.
        ["TechLink:Delivery:MaxAttempts"] = "1",
        ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "4",
    };

    [Fact]
    public async Task Sqlite_ReplayOf300FailedKilledHalfWay_AllArriveNoneTwiceBeyondInFlight_ThenPauseKillResume()
    {
        Directory.CreateDirectory(_dataPath);
        var started = DateTime.UtcNow;
        var table = DeliveryTable.Sqlite(_dataPath);
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => Task.FromResult((503, "down for maintenance"));
        await using var node = new ServerNode("replay", id => ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null, "all", Settings(id)));
        await node.StartAsync();
        var company = await node.Client!.CreateCompanyAsync("Replay Co");
        var hook = await node.Client!.RegisterAnyWebhooksAsync(company, receiver.Url("/replay"));
        var workOrder = await node.Client!.CreateWorkOrderAsync(company);
        var since = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await PostNotesAsync(node.Client!, workOrder, Notes, "outage");
        await WaitAsync(async () => await table.PendingAsync() == 0, "the outage's deliveries did not all fail");
        var failed = (await table.RowsAsync()).Where(r => r.EndpointId == hook && r.Status == 2).Select(r => r.WebhookId).ToHashSet();
        Assert.True(failed.Count >= Notes, $"{failed.Count} failed deliveries");

        // The receiver is back, a little slow: the replay takes long enough to be killed in the middle.
        var before = receiver.ReceivedCount;
        receiver.Respond = async _ =>
        {
            await Task.Delay(15);
            return (200, "ok");
        };
        var replay = await SendAsync(node.Client!.PostAsJsonAsync($"/api/v1/webhooks/{hook}/replay", new { since }), HttpStatusCode.Accepted);
        var replayId = replay.GetProperty("replay_id").GetString()!;
        Assert.Equal(failed.Count, replay.GetProperty("queued").GetInt32());
        await WaitAsync(() => Task.FromResult(receiver.ReceivedCount - before >= failed.Count / 3), "the replay did not get going");
        var killedId = await node.KillAsync();
        var inFlight = (await table.LeasedByAsync(killedId)).ToHashSet();
        var atKill = receiver.ReceivedCount - before;
        await node.StartAsync();
        var restarted = DateTime.UtcNow;
        JsonElement progress = default;
        await WaitAsync(async () =>
        {
            progress = await SendAsync(node.Client!.GetAsync($"/api/v1/webhooks/replays/{replayId}"), HttpStatusCode.OK);
            return progress.GetProperty("pending").GetInt32() == 0;
        }, "the replay did not finish after the restart");
        var finished = DateTime.UtcNow;

        var copies = receiver.Received.Skip(before).GroupBy(r => r.Headers["webhook-id"]).ToDictionary(g => g.Key, g => g.Count());
        var lost = failed.Count(id => !copies.ContainsKey(id));
        var unexpected = copies.Keys.Count(id => !failed.Contains(id));
        var twice = copies.Where(c => c.Value > 1).ToList();
        var unexplained = twice.Count(c => !inFlight.Contains(c.Key) || c.Value > 2);
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"SQLite, one node; {failed.Count} failed deliveries replayed ({Notes} notes during an outage, 1 attempt each), SIGKILL after {atKill} of them arrived; " +
            $"in flight at the kill {inFlight.Count}; sent twice {twice.Count} (all among those in flight: {unexplained == 0}); unexpected {unexpected}; " +
            $"replay done {(finished - restarted).TotalSeconds:0.0} s after the restart (leases of the killed process expire after 16 s); progress {progress.GetRawText()}");
        ReliabilityLog.Record("Faults", "replay under kill -9 (300 failed deliveries, SQLite)", 1, lost, detail);
        output.WriteLine(detail);
        Assert.Equal(0, lost);
        Assert.Equal(0, unexpected);
        Assert.Equal(0, unexplained);
        Assert.Equal(failed.Count, progress.GetProperty("succeeded").GetInt32());

        await PauseKillResumeAsync(node, receiver, table, hook, workOrder, started);
    }

    /// <summary>Paused with deliveries parked, SIGKILLed, restarted, resumed: every one arrives, once.</summary>
    private async Task PauseKillResumeAsync(ServerNode node, LoopbackReceiver receiver, DeliveryTable table, long hook, string workOrder, DateTime started)
    {
        await SendAsync(node.Client!.PostAsync($"/api/v1/webhooks/{hook}/pause", null), HttpStatusCode.OK);
        var before = receiver.ReceivedCount;
        var existing = (await table.RowsAsync()).Select(r => r.Id).ToHashSet();
        await PostNotesAsync(node.Client!, workOrder, PausedNotes, "paused");
        await WaitAsync(async () => (await ParkedAsync(node.Client!, hook)) >= PausedNotes, "the paused deliveries were not parked");
        Assert.Equal(before, receiver.ReceivedCount);
        var killedId = await node.KillAsync();
        var inFlight = (await table.LeasedByAsync(killedId)).Count;
        await node.StartAsync();
        await SendAsync(node.Client!.PostAsync($"/api/v1/webhooks/{hook}/resume", null), HttpStatusCode.OK);
        var resumed = DateTime.UtcNow;
        var expected = (await table.RowsAsync()).Where(r => !existing.Contains(r.Id) && r.EndpointId == hook).Select(r => r.WebhookId).ToHashSet();
        await WaitAsync(async () => await table.PendingAsync() == 0 && expected.All(id => receiver.Received.Skip(before).Any(r => r.Headers["webhook-id"] == id)),
            "the resumed deliveries did not all arrive");
        var copies = receiver.Received.Skip(before).GroupBy(r => r.Headers["webhook-id"]).ToDictionary(g => g.Key, g => g.Count());
        var lost = expected.Count(id => !copies.ContainsKey(id));
        var twice = copies.Count(c => c.Value > 1);
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"SQLite, one node; paused, {expected.Count} events parked (none sent while paused), SIGKILL while paused (held {inFlight} leases), restart, resume: " +
            $"{copies.Count} arrived, {twice} twice, in {(DateTime.UtcNow - resumed).TotalSeconds:0.0} s; whole test {(DateTime.UtcNow - started).TotalSeconds:0} s");
        ReliabilityLog.Record("Faults", "pause/resume with SIGKILL while paused (SQLite)", 1, lost, detail);
        output.WriteLine(detail);
        Assert.Equal(0, lost);
        Assert.Equal(0, twice);
    }

    private static async Task<int> ParkedAsync(HttpClient staff, long hook)
    {
        var page = await SendAsync(staff.GetAsync($"/api/v1/webhooks/deliveries?webhook_id={hook}&status=pending&limit=1000"), HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Count(d => d.GetProperty("next_attempt_at").GetString() == "9999-01-01T00:00:00Z");
    }

    private static async Task PostNotesAsync(HttpClient staff, string workOrder, int count, string label)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await staff.PostNoteAsync(workOrder, $"{label} note {i}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    private static async Task<JsonElement> SendAsync(Task<HttpResponseMessage> request, HttpStatusCode expected)
    {
        using var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string failure)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}
