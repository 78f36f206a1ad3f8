using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TechLink.Delivery;

namespace TechLink.Bench;

/// <summary>The results file: machine, set-up, the table, the growth points and the SUMMARY line.</summary>
internal static partial class Orchestrator
{
    private static string Report(bool full, DateTime stamp, TimeSpan took, int concurrency, DeliveryOptions o, List<Row> rows, List<Drain> growth, string? svg, string summary)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"# Delivery benchmarks, {(full ? "full" : "quick")} run, {stamp:yyyy-MM-dd HH:mm}");
        b.AppendLine();
        b.AppendLine("## Machine");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {CpuModel()} (nproc {Environment.ProcessorCount})");
        b.AppendLine(CultureInfo.InvariantCulture, $"- Memory: {MemTotalGb():0.0} GB");
        b.AppendLine(CultureInfo.InvariantCulture, $"- OS: {RuntimeInformation.OSDescription}");
        b.AppendLine(CultureInfo.InvariantCulture, $"- .NET: SDK {Environment.GetEnvironmentVariable("BENCH_DOTNET_VERSION") ?? "?"}, runtime {RuntimeInformation.FrameworkDescription}, Server GC {System.Runtime.GCSettings.IsServerGC}");
        b.AppendLine(CultureInfo.InvariantCulture, $"- PostgreSQL: {Environment.GetEnvironmentVariable("BENCH_PG_VERSION") ?? "?"} (throwaway cluster, fsync off as in the test fixture); SQLite in WAL mode on local disk");
        b.AppendLine("- Shared, noisy virtual machine (its speed changes from day to day: the bare loop did 65,650 req/s on 2026-11-28 and about 24,000 on 2026-12-01): only the ratios against baselines measured in the same run mean anything.");
        b.AppendLine();
        b.AppendLine("## Set-up");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"- Engine defaults: MaxConcurrency {o.MaxConcurrency}, MaxConcurrencyPerEndpoint {o.MaxConcurrencyPerEndpoint}, ClaimBatchSize {o.ClaimBatchSize}, ResultBatchSize {o.ResultBatchSize}, Timeout {o.Timeout.TotalSeconds:0} s. With one registration the effective concurrency is {concurrency}; the bare loop and Hangfire get {concurrency} too.");
        b.AppendLine("- Receiver: a separate Kestrel process answering 200 at once (or never, for the dead endpoint); receipt times are CLOCK_MONOTONIC, shared by all processes.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- Counterbalanced passes (`Counterbalance.cs`): bare, engine-sqlite, engine-postgres, both durable limits and the Wolverine peer run in {Counterbalance.Passes} passes (and so do the two sides of the isolation row), the first in that order and the second in reverse, each with half of the row's events; a row's rate is its events over its seconds in both passes. The machine's speed drifts over minutes, and in mirrored passes every row has the same mean position in time, so a steady drift cancels out of the ratios. The api row alternates its two sides in {Scenarios.ApiRounds} rounds for the same reason.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- engine-*: events written through `EventOutbox.AddAsync` into the server's DbContext, 50 per transaction, {concurrency} transactions at a time (as concurrent requests would), while the in-process dispatcher (the server's own wiring) delivers; rate = events / (first commit → last receipt), after a 3 s warm-up (rounds of 1,000 events; the bare loop warms up as long, in rounds of 5,000 requests); \"written at\" is the producers' own rate. Every process runs with `DOTNET_TC_CallCountingDelayMs=0`, so the JIT's tiering is done during the warm-up.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- latency: one event per transaction (as the API writes them) at half the engine's maximum for that write shape (the \"one event per transaction\" rows), at most {concurrency} transactions in flight as when that maximum was measured, commit (SaveChanges returned) → receipt, correlated by the `seq` in the payload; bare: send → receipt at the same rate.");
        b.AppendLine("- CPU per delivery: user + system time from /proc of this process (producers and dispatcher), the receiver and every PostgreSQL process, over the measured part of a run, divided by requests received.");
        b.AppendLine("- isolation: 10 registrations on one company (every event goes to all 10), the tenth never answers; the rate to endpoints 1-9 is set against the rate to the same 9 endpoints in a run where the tenth is healthy too.");
        b.AppendLine("- memory/growth: the real `TechLink.Server.dll` (Release) with `TechLink:Node:Roles=dispatcher` drains a backlog pre-inserted into SQLite; peak RSS = VmHWM from /proc/<pid>/status.");
        b.AppendLine("- peer: Hangfire.PostgreSql on the same cluster, LISTEN/NOTIFY long polling, one job per delivery doing the same POST, worker count = engine concurrency.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- durable limit: the engine minus claiming, leasing, scheduling and waking. A hand-written loop in the bench (no dispatcher; the server runs with Roles=api only for its schema and its `WebhookSender`): one transaction per batch of {Scenarios.WriteBatch} inserts the events and their delivery rows with prepared statements on the product's tables and indexes (per-row statements on SQLite, array statements on PostgreSQL, as the product's outbox writers), the product's `WebhookSender` signs and POSTs each at {concurrency} in flight, and one transaction per batch of up to {o.ResultBatchSize} results marks them delivered and inserts the attempt rows. Same warm-up and the same rate (first commit → last receipt) as engine-*. Ratio = engine ÷ limit.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- peer: WolverineFx (PostgreSQL message store, EF Core integration, Solo durability mode) on the same cluster: transactions of {Scenarios.WriteBatch} events, {concurrency} at a time, each event inserted with EF Core and one `DeliverWebhook` message published through `IDbContextOutbox<T>` in the same transaction; a durable local queue with {concurrency} parallel handlers sends it with the product's `WebhookSender`; retry policy: cooldown retries (50, 250 ms), then scheduled retries (1, 2 min). Ratio = engine-postgres ÷ Wolverine.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- api: `POST /api/v1/workorders/{{id}}/notes` on the real server (child process, SQLite, Roles=all so delivery runs, one webhook registration), {concurrency} clients each posting the next note when the last is answered, after 100 notes and a warm-up that lasts until the server compiles less than 20 ms a second (its JIT time read from `/metrics`; at least 3 s, at most 30 s); every accepted note's webhook is counted at the receiver. Both apps stay up and take turns: {Scenarios.ApiRounds} rounds of a slice of each (S B, B S, S B, B S). After each slice of the server, the row waits until every note it accepted has been delivered, and that wait counts as the server's time, so its deliveries are charged to it and do not run in the bare app's slices. Baseline: a bare minimal-API app (its own process, `bench/TechLink.Bench/BareApi.cs`) that binds the same JSON body, inserts one row with EF Core (pooled DbContext) into SQLite in WAL mode with synchronous=NORMAL, and answers 201 with the row: no authentication, tenancy or events.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- fan-out: the server (Roles=dispatcher) drains a SQLite backlog of 10,000 deliveries spread over 10,000 registrations (one each), against the same backlog on one registration.");
        b.AppendLine(CultureInfo.InvariantCulture, $"- slow receivers: the server (Roles=dispatcher) drains a backlog spread over 100 registrations whose receiver answers after {Receiver.SlowAnswer.TotalMilliseconds:0} ms (an awaited delay in the receiver process, no thread sleeps); the ideal is min(MaxConcurrency, endpoints × MaxConcurrencyPerEndpoint) / {Receiver.SlowAnswer.TotalSeconds:0.0} s.");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"## Results (run took {took:mm\\:ss})");
        b.AppendLine();
        b.AppendLine("| scenario | result | baseline (same run) | ratio | floor | met |");
        b.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in rows) b.AppendLine(r.Markdown);
        if (growth.Count > 0)
        {
            b.AppendLine();
            b.AppendLine("## Growth (real server, Roles=dispatcher, SQLite)");
            b.AppendLine();
            b.AppendLine("Scaled down to fit: each point drains for at most 120 s (registrations) / 60 s (backlog); the rate is over what was delivered in that time.");
            b.AppendLine();
            b.AppendLine("| registrations | backlog | delivered | seconds | delivered/s | peak RSS MB |");
            b.AppendLine("|---|---|---|---|---|---|");
            foreach (var g in growth) b.AppendLine(CultureInfo.InvariantCulture, $"| {g.Registrations:N0} | {g.Backlog:N0} | {g.Delivered:N0}{(g.Complete ? "" : " (bound)")} | {g.Seconds:0.0} | {g.PerSecond:0} | {g.PeakRssMb:0} |");
            if (svg is not null)
            {
                b.AppendLine();
                b.AppendLine(CultureInfo.InvariantCulture, $"![growth]({Path.GetFileName(svg)})");
            }
        }

        b.AppendLine();
        b.AppendLine("```");
        b.AppendLine(summary);
        b.AppendLine("```");
        return b.ToString();
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?" : "?";

    private static double MemTotalGb() =>
        File.Exists("/proc/meminfo") && File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0
            : 0;
}

