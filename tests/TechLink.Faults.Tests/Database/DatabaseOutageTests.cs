using System.Globalization;
using System.Net;
using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Database;

/// <summary>
/// PostgreSQL goes away for about 10 s (pg_ctl stop -m fast) while deliveries are pending and flowing, then comes back
/// on the same port: the server keeps running, says it is not ready meanwhile, and the dispatcher completes every
/// pending delivery with no lease left behind. A cluster of our own, since the shared one must not be stopped.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private const int Notes = 400;
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-fault-tests", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Postgres_StoppedTenSecondsMidRun_ServerWaitsAndEveryPendingDeliveryCompletesWithNoLeaseLeft()
    {
        Directory.CreateDirectory(_dataPath);
        await using var cluster = await PostgresCluster.StartOwnAsync();
        var cs = await cluster.CreateDatabaseAsync("outage");
        var table = DeliveryTable.Postgres(cs);
        await using var receiver = await LoopbackReceiver.StartAsync();
        // A receiver that takes 200 ms keeps deliveries flowing for several seconds (2 endpoints × 8 at a time).
        receiver.Respond = async _ =>
        {
            await Task.Delay(200);
            return (200, "ok");
        };
        await using var server = await ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "all", new Dictionary<string, string?>
        {
            ["TechLink:Delivery:NodeId"] = "outage-1",
            ["TechLink:Delivery:Timeout"] = "00:00:02",
            ["TechLink:Delivery:Lease"] = "00:00:17",
            ["TechLink:Delivery:MaxConcurrencyPerEndpoint"] = "8",
        });
        using var staff = server.Client(ServerSettings.StaffKey);
        using var probe = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };

        var company = await staff.CreateCompanyAsync("Outage Co");
        List<Endpoint> endpoints =
        [
            new(company, await staff.RegisterAnyWebhooksAsync(company, receiver.Url("/a")), "/a"),
            new(company, await staff.RegisterAnyWebhooksAsync(company, receiver.Url("/b")), "/b"),
        ];
        var workOrder = await staff.CreateWorkOrderAsync(company);
        var load = new NoteLoad([workOrder], Notes);
        await load.RunAsync(4, () => staff, DateTime.UtcNow.AddMinutes(2));

        // Stop while a good part is still pending.
        var flowing = DateTime.UtcNow.AddSeconds(60);
        while (receiver.ReceivedCount < 150 && DateTime.UtcNow < flowing) await Task.Delay(20);
        var receivedAtStop = receiver.ReceivedCount;
        var pendingAtStop = await table.PendingAsync();
        Assert.True(pendingAtStop >= 100, $"only {pendingAtStop} deliveries pending when PostgreSQL was to stop: the test needs work in flight");
        await cluster.StopAsync("fast");
        var stoppedAt = DateTime.UtcNow;

        // The server notices: /health/ready turns 503 while /health/live stays 200.
        TimeSpan? unready = null;
        while (DateTime.UtcNow - stoppedAt < Outage)
        {
            using var ready = await probe.GetAsync("/health/ready");
            if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                unready ??= DateTime.UtcNow - stoppedAt;
                break;
            }

            await Task.Delay(100);
        }

        using (var live = await probe.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var writeStarted = DateTime.UtcNow;
        using var writeDuringOutage = await staff.PostNoteAsync(workOrder, "written while the database is away");
        var writeTook = DateTime.UtcNow - writeStarted;
        var remaining = Outage - (DateTime.UtcNow - stoppedAt);
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
        var receivedDuringOutage = receiver.ReceivedCount - receivedAtStop;
        Assert.False(server.HasExited, $"the server exited during the outage: {server.Output}");

        await cluster.RestartAsync();
        var restartedAt = DateTime.UtcNow;
        TimeSpan? readyAgain = null;
        while (DateTime.UtcNow - restartedAt < TimeSpan.FromSeconds(60))
        {
            using var ready = await probe.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                readyAgain = DateTime.UtcNow - restartedAt;
                break;
            }

            await Task.Delay(100);
        }

        var feed = await staff.ReadFeedAsync();
        var audit = new DeliveryAudit(receiver, endpoints);
        await audit.WaitForAllAsync(feed, table, TimeSpan.FromSeconds(120));
        var allDone = DateTime.UtcNow - restartedAt;
        var rows = await table.RowsAsync();
        var result = audit.Evaluate(feed, rows, new Dictionary<string, int>());
        var leases = await table.WithLeaseAsync();
        var notSucceeded = rows.Count(r => r.Status != DeliveryRow.Succeeded);
        var lost = result.Lost;

        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{result.Expected} deliveries ({feed.Count} events × 2 endpoints), {pendingAtStop} pending when PostgreSQL stopped for {Outage.TotalSeconds:0} s; " +
            $"/health/ready 503 after {unready?.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} s, 200 again {readyAgain?.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} s after the restart; " +
            $"a write during the outage answered {(int)writeDuringOutage.StatusCode} in {writeTook.TotalSeconds:0.0} s; {receivedDuringOutage} requests reached the receiver during the outage; " +
            $"all delivered {allDone.TotalSeconds:0.0} s after the restart; duplicates {result.Duplicates}; rows not succeeded {notSucceeded}; leases left {leases}; server process alive {!server.HasExited}");
        ReliabilityLog.Record("Faults", "PostgreSQL stopped for 10 s mid-run and started again", 1, lost, detail);
        output.WriteLine(detail);

        var context = $"{detail}\n{string.Join("\n", result.Problems)}";
        Assert.False(server.HasExited, $"the server exited: {context}\n{server.Output}");
        Assert.True(unready is not null, $"/health/ready never reported the outage\n{context}");
        Assert.True(readyAgain is not null, $"/health/ready never recovered\n{context}");
        Assert.True(lost == 0, $"{lost} deliveries lost\n{context}\n{Tail(server.Output)}");
        Assert.True(result.MissingRows == 0 && result.Unexpected == 0, context);
        Assert.True(result.MixedWebhookIds + result.WrongWebhookIds == 0, $"copies under different webhook-ids\n{context}");
        Assert.True(notSucceeded == 0, $"{notSucceeded} deliveries did not succeed\n{context}\n{Tail(server.Output)}");
        Assert.True(leases == 0, $"{leases} deliveries still carry a lease\n{context}");
        Assert.False(writeDuringOutage.IsSuccessStatusCode, $"a write succeeded without a database\n{context}");
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;
}
