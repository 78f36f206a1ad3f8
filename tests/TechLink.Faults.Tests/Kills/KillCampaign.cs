using System.Globalization;
using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Kills;

/// <summary>One SIGKILL: which process, after how long up, and what it held.</summary>
/// <param name="InFlight">Pending deliveries whose lease the killed process held: claimed and maybe sent, not recorded.</param>
public sealed record KillRecord(int Number, string NodeId, TimeSpan Uptime, int InFlight, long Pending, bool WhileWriting);

/// <summary>
/// 10,000 events to 50 endpoints while nodes are SIGKILLed 20 times at seeded random moments, then the audit.
/// The endpoints are 50 companies with one <c>(any webhooks)</c> registration each, pointing at 50 paths of one real
/// Kestrel receiver on loopback; the events are 10,000 notes confirmed through the API (201), spread evenly over one
/// work order per company, so each event goes to exactly one of the 50 endpoints. Notes whose request a kill cut off may
/// have committed as well: they are in the feed and expected like the others.
/// </summary>
public sealed class KillCampaign(ITestOutputHelper output, IReadOnlyList<ServerNode> nodes, DeliveryTable table)
{
    public const int Endpoints = 50;
    public const int Events = 10_000;
    public const int Kills = 20;
    private const int Writers = 8;

    /// <summary>Settings for every process of a campaign: a timeout that the loaded machine never hits, the lease it implies.</summary>
    public static Dictionary<string, string?> Settings(string nodeId) => new()
    {
        ["TechLink:Delivery:NodeId"] = nodeId,
        ["TechLink:Delivery:Timeout"] = "00:00:03",
        ["TechLink:Delivery:Lease"] = "00:00:18",
    };

    public async Task RunAsync(string what)
    {
        var seed = FaultSeed.Next();
        var random = new Random(seed);
        output.WriteLine($"seed {seed} (replay the schedule with TECHLINK_FAULT_SEED={seed})");
        var started = DateTime.UtcNow;
        await using var receiver = await LoopbackReceiver.StartAsync();
        foreach (var node in nodes) await node.StartAsync();

        var staff = nodes[0].Client!;
        var endpoints = new List<Endpoint>();
        var workOrders = new List<string>();
        for (var i = 0; i < Endpoints; i++)
        {
            var company = await staff.CreateCompanyAsync($"Fault Co {i}");
            var path = $"/e{i}";
            endpoints.Add(new Endpoint(company, await staff.RegisterAnyWebhooksAsync(company, receiver.Url(path)), path));
            workOrders.Add(await staff.CreateWorkOrderAsync(company));
        }

        // The random moments: 20 points of the write sequence (after N confirmed notes), drawn from the seed, so every
        // kill falls while events are being written and delivered, whatever the speed of the machine.
        var moments = Enumerable.Range(0, Kills).Select(_ => random.Next(100, Events - 100)).Order().ToList();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var load = new NoteLoad(workOrders, Events);
        var writing = load.RunAsync(Writers, () => PickClient(), deadline);
        var kills = new List<KillRecord>();
        var leasedAtKills = new Dictionary<string, int>();
        var restarts = new List<Task>();
        for (var k = 1; k <= Kills; k++)
        {
            List<ServerNode> up = [];
            while (load.Confirmed < moments[k - 1] || (up = [.. nodes.Where(n => n.Client is not null)]).Count == 0)
            {
                if (writing.IsCompleted) await writing;
                Assert.True(DateTime.UtcNow < deadline, $"kill {k} never came: {load.Confirmed} notes confirmed, waiting for {moments[k - 1]}");
                await Task.Delay(5);
            }

            var victim = up[random.Next(up.Count)];
            var uptime = DateTime.UtcNow - victim.StartedAt;
            var nodeId = await victim.KillAsync();
            // Nobody else may touch these rows until their lease expires, so this is exactly what the dead process held.
            var leased = await table.LeasedByAsync(nodeId);
            foreach (var id in leased) leasedAtKills[id] = leasedAtKills.GetValueOrDefault(id) + 1;
            var kill = new KillRecord(k, nodeId, uptime, leased.Count, await table.PendingAsync(), !load.Done);
            kills.Add(kill);
            output.WriteLine($"kill {k}: {nodeId} after {uptime.TotalSeconds:0.0} s up, held {leased.Count} leases, {kill.Pending} pending, " +
                $"{load.Confirmed} notes confirmed, {receiver.ReceivedCount} requests received");
            // Restarted in the background: the other nodes (if any) keep serving and may be killed meanwhile.
            restarts.Add(victim.StartAsync());
        }

        await Task.WhenAll(restarts);
        var lastRestart = DateTime.UtcNow;
        await writing;
        var writesDone = DateTime.UtcNow;
        var audit = new DeliveryAudit(receiver, endpoints);
        var feed = await PickClient()!.ReadFeedAsync();
        await audit.WaitForAllAsync(feed, table, TimeSpan.FromSeconds(150));
        var allDone = DateTime.UtcNow;
        var rows = await table.RowsAsync();
        var result = audit.Evaluate(feed, rows, leasedAtKills);
        var notes = feed.Count(e => e.Type == "work order note added");
        var inFlight = kills.Sum(k => k.InFlight);
        var retries = result.AttemptsRecorded - result.Deliveries;
        var alive = nodes.All(n => n.Process is { HasExited: false });

        var detail = string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}; {load.Confirmed:N0} notes confirmed (+{notes - load.Confirmed} committed with the answer cut by a kill) and {feed.Count - notes} setup events, " +
            $"each event to the one '(any webhooks)' registration of its company: 50 companies × 1 = {Endpoints} endpoints, {result.Expected:N0} expected deliveries; " +
            $"{kills.Count} kills at seeded points of the write sequence (after {string.Join("/", moments.Select(m => m.ToString("N0", CultureInfo.InvariantCulture)))} confirmed notes), {kills.Count(k => k.WhileWriting)} of them while notes were being written; {kills.Sum(k => k.Pending):N0} deliveries pending at the kills in all, node uptime before a kill {kills.Min(k => k.Uptime.TotalSeconds):0.0}–{kills.Max(k => k.Uptime.TotalSeconds):0.0} s; " +
            $"in flight at kills (pending rows leased by the killed process: claimed, maybe sent, not recorded) {inFlight} in all, at most {kills.Max(k => k.InFlight)} at one kill; " +
            $"duplicates (same webhook-id twice at one endpoint) {result.Duplicates} ≤ in flight {inFlight} + recorded retries {retries}; unexplained copies {result.Unexplained}; " +
            $"webhook-id mismatches {result.MixedWebhookIds + result.WrongWebhookIds}; writes cut {load.Cut}, 5xx {load.ServerErrors}; " +
            $"all delivered {(allDone - lastRestart).TotalSeconds:0.0} s after the last restart ({(allDone - writesDone).TotalSeconds:0.0} s after the last write); run {(DateTime.UtcNow - started).TotalSeconds:0} s");
        ReliabilityLog.Record("Faults", what, kills.Count, result.Lost, detail);
        output.WriteLine(detail);

        var context = $"seed {seed}\n{string.Join("\n", result.Problems)}\n{detail}";
        Assert.True(alive, $"a node died on its own\n{context}");
        Assert.True(notes >= Events && notes <= Events + load.Cut + load.ServerErrors, $"{notes} note events in the feed for {load.Confirmed} confirmed\n{context}");
        Assert.True(result.Lost == 0, $"{result.Lost} of {result.Expected} expected deliveries never arrived\n{context}\n{Tail(nodes)}");
        Assert.True(result.MissingRows == 0, $"{result.MissingRows} events without exactly one delivery row per endpoint\n{context}");
        Assert.True(result.MixedWebhookIds == 0 && result.WrongWebhookIds == 0, $"copies of one event under different webhook-ids\n{context}");
        Assert.True(result.Unexpected == 0, $"{result.Unexpected} requests for no expected event\n{context}");
        Assert.True(result.Unexplained == 0, $"{result.Unexplained} deliveries arrived more often than they were sent or held at a kill\n{context}");
        Assert.True(result.Duplicates <= inFlight + retries, $"{result.Duplicates} duplicates > {inFlight} in flight + {retries} retries\n{context}");
    }

    private HttpClient? PickClient()
    {
        var live = nodes.Select(n => n.Client).Where(c => c is not null).ToList();
        return live.Count == 0 ? null : live[Random.Shared.Next(live.Count)];
    }

    private static string Tail(IReadOnlyList<ServerNode> nodes)
    {
        var all = string.Join("\n", nodes.Select(n => n.Output));
        return all.Length > 6000 ? all[^6000..] : all;
    }
}
