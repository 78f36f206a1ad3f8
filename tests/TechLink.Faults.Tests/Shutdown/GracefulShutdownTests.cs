using System.Globalization;
using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Shutdown;

/// <summary>
/// SIGTERM while attempts are in flight against a receiver that takes 2 s (well below the 10 s delivery timeout: with
/// 3 s, a loaded machine let the client time out before the answer came, and those attempts were rightly recorded as
/// failed): the process exits within Timeout + 10 s; what the receiver answered is recorded as delivered and never sent
/// again; nothing pending keeps a lease, so a restarted node sends the rest at once instead of waiting for the 60 s lease
/// to expire (long enough that a slow restart on a loaded machine still comes well before it).
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(2);
    private const int MaxConcurrency = 8;
    private const int Endpoints = 4;
    private const int Notes = 30;
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-fault-tests", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private Task<ServerProcess> StartAsync(string nodeId) =>
        ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null, "all", new Dictionary<string, string?>
        {
            ["TechLink:Delivery:NodeId"] = nodeId,
            ["TechLink:Delivery:Timeout"] = "00:00:10",
            ["TechLink:Delivery:Lease"] = "00:01:00",
            ["TechLink:Delivery:MaxConcurrency"] = MaxConcurrency.ToString(CultureInfo.InvariantCulture),
        });

    [Fact]
    public async Task Sqlite_SigtermWithAttemptsInFlight_FinishesThemExitsInTimeAndLeavesNoLeaseBehind()
    {
        Directory.CreateDirectory(_dataPath);
        var table = DeliveryTable.Sqlite(_dataPath);
        await using var receiver = await LoopbackReceiver.StartAsync();
        var slow = true;
        receiver.Respond = async _ =>
        {
            if (Volatile.Read(ref slow)) await Task.Delay(SlowAnswer);
            return (200, "ok");
        };

        await using var first = await StartAsync("term-1");
        using var staff = first.Client(ServerSettings.StaffKey);
        var company = await staff.CreateCompanyAsync("Shutdown Co");
        var endpoints = new List<Endpoint>();
        for (var i = 0; i < Endpoints; i++) endpoints.Add(new Endpoint(company, await staff.RegisterAnyWebhooksAsync(company, receiver.Url($"/s{i}")), $"/s{i}"));
        var workOrder = await staff.CreateWorkOrderAsync(company);
        var load = new NoteLoad([workOrder], Notes);
        await load.RunAsync(4, () => staff, DateTime.UtcNow.AddMinutes(1));

        // SIGTERM when the dispatcher is at its concurrency limit: that many requests received and not yet answered.
        var inFlightDeadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.ReceivedCount - receiver.Answered.Count < MaxConcurrency && DateTime.UtcNow < inFlightDeadline) await Task.Delay(10);
        var terminatedAt = DateTime.UtcNow;
        await first.TerminateAsync();
        var inFlightAtTerm = receiver.Received.Count(r => r.ReceivedAt <= terminatedAt) - receiver.Answered.Count(a => a.AnsweredAt <= terminatedAt);
        var exited = await first.WaitForExitAsync(Timeout + TimeSpan.FromSeconds(10));
        var exitTook = DateTime.UtcNow - terminatedAt;
        Assert.True(exited, $"still running {exitTook.TotalSeconds:0.0} s after SIGTERM\n{first.Output}");
        var exitCode = first.ExitCode;

        var receivedBeforeExit = receiver.Received;
        var answeredBeforeExit = receiver.Answered;
        var answeredIds = answeredBeforeExit.Select(a => a.Request.Headers["webhook-id"]).ToHashSet();
        var unanswered = receivedBeforeExit.Where(r => !answeredIds.Contains(r.Headers["webhook-id"])).ToList();
        var rowsAfterExit = await table.RowsAsync();
        var byWebhookId = rowsAfterExit.ToDictionary(r => r.WebhookId);
        var answeredNotRecorded = answeredIds.Count(id => byWebhookId[id].Status != DeliveryRow.Succeeded);
        // An answered row with an attempt recorded but not delivered: the client gave up (timed out) before the answer came.
        var answeredButTimedOut = answeredIds.Count(id => byWebhookId[id].Status != DeliveryRow.Succeeded && byWebhookId[id].AttemptsRecorded > 0);
        var leasedAfterExit = await table.PendingWithLeaseAsync();
        var remaining = rowsAfterExit.Where(r => r.Status == DeliveryRow.Pending).Select(r => r.WebhookId).ToHashSet();

        // The restarted node finds the rest due and unleased: it sends them at once, to a receiver that now answers at once.
        Volatile.Write(ref slow, false);
        var countBeforeRestart = receiver.ReceivedCount;
        var restartedAt = DateTime.UtcNow;
        await using var second = await StartAsync("term-2");
        var readyAt = DateTime.UtcNow;
        var audit = new DeliveryAudit(receiver, endpoints);
        using var staff2 = second.Client(ServerSettings.StaffKey);
        var feed = await staff2.ReadFeedAsync();
        await audit.WaitForAllAsync(feed, table, Lease + TimeSpan.FromSeconds(30));
        var afterRestart = receiver.Received.Skip(countBeforeRestart).ToList();
        var firstArrival = afterRestart.GroupBy(r => r.Headers["webhook-id"]).ToDictionary(g => g.Key, g => g.Min(r => r.ReceivedAt));
        var remainingLate = remaining.Where(id => !firstArrival.TryGetValue(id, out var at) || at - readyAt > TimeSpan.FromSeconds(8)).ToList();
        var lastArrival = remaining.Select(id => firstArrival.GetValueOrDefault(id, DateTime.MaxValue)).DefaultIfEmpty(readyAt).Max();
        var resentAnswered = afterRestart.Count(r => answeredIds.Contains(r.Headers["webhook-id"]));
        var result = audit.Evaluate(feed, await table.RowsAsync(), new Dictionary<string, int>());

        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{result.Expected} deliveries to {Endpoints} endpoints, receiver answering in {SlowAnswer.TotalSeconds:0} s (Timeout {Timeout.TotalSeconds:0} s, MaxConcurrency {MaxConcurrency}); " +
            $"{inFlightAtTerm} requests in flight at SIGTERM; exited after {exitTook.TotalSeconds:0.0} s (limit {(Timeout + TimeSpan.FromSeconds(10)).TotalSeconds:0} s) with code {exitCode}; " +
            $"{answeredIds.Count} answered before exit, {answeredNotRecorded} of them not recorded as delivered ({answeredButTimedOut} with a failed attempt recorded), {unanswered.Count} received but unanswered; " +
            $"pending rows still leased after exit {leasedAfterExit}; {remaining.Count} remaining, the last one arrived " +
            $"{(lastArrival == DateTime.MaxValue ? "never" : Seconds(lastArrival - restartedAt) + " after the restart (start-up " + Seconds(readyAt - restartedAt) + "), " + Seconds(lastArrival - terminatedAt) + " after SIGTERM")} " +
            $"(lease {Lease.TotalSeconds:0} s); answered ones sent again after restart {resentAnswered}; lost {result.Lost}");
        ReliabilityLog.Record("Faults", "SIGTERM with attempts in flight (2 s receiver), restart", 1, result.Lost + answeredNotRecorded, detail);
        output.WriteLine(detail);

        var context = $"{detail}\n{string.Join("\n", result.Problems)}\n{first.Output}";
        Assert.True(inFlightAtTerm > 0, $"nothing was in flight at SIGTERM: the test proved nothing\n{context}");
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM\n{context}");
        Assert.True(unanswered.Count == 0, $"{unanswered.Count} attempts in flight at SIGTERM were cut off instead of finishing\n{context}");
        Assert.True(answeredNotRecorded == 0, $"{answeredNotRecorded} deliveries the receiver answered are not recorded as delivered\n{context}");
        Assert.True(leasedAfterExit == 0, $"{leasedAfterExit} pending deliveries still hold a lease after the graceful exit\n{context}");
        Assert.True(remaining.Count > 0, $"nothing was left to deliver after the shutdown: the test proved nothing about hand-back\n{context}");
        Assert.True(remainingLate.Count == 0, $"{remainingLate.Count} of {remaining.Count} remaining deliveries did not arrive within 8 s of the restarted node being ready\n{context}");
        // A lease taken just before SIGTERM and kept would not have let its row go before this.
        Assert.True(lastArrival - terminatedAt < Lease - SlowAnswer, $"the remaining deliveries waited as long as a lease\n{context}");
        Assert.True(resentAnswered == 0, $"{resentAnswered} answered deliveries were sent again after the restart\n{context}");
        Assert.True(result.Lost == 0 && result.MixedWebhookIds == 0 && result.Unexpected == 0, context);
    }
}
