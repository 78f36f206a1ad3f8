using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery;
using TechLink.Testing;

namespace TechLink.Bench;

internal sealed record Row(string Scenario, string Result, string Baseline, string Ratio, string Floor, bool? Met)
{
    public string Markdown => $"| {Scenario} | {Result} | {Baseline} | {Ratio} | {Floor} | {(Met is null ? "" : Met.Value ? "yes" : "**no**")} |";
}

/// <summary>Runs every scenario in order, prints a table row per scenario and the SUMMARY line, writes the results file.</summary>
internal static partial class Orchestrator
{
    private sealed record Sizes(int Bare, int Engine, TimeSpan LatencyFor, int IsolationEvents, int Backlog, TimeSpan DrainBound, int HangfireJobs, TimeSpan ApiFor)
    {
        public int WolverineMessages { get; init; }

        /// <summary>Deliveries of the fan-out pair (10,000 registrations with one each, one registration with all).</summary>
        public int FanOut { get; init; } = 10_000;

        /// <summary>Deliveries spread over the 100 slow endpoints.</summary>
        public int SlowDeliveries { get; init; }
    }

    private static readonly Sizes Quick = new(100_000, 20_000, TimeSpan.FromSeconds(5), 3000, 200_000, TimeSpan.FromSeconds(20), 1500, TimeSpan.FromSeconds(5))
    {
        WolverineMessages = 3000, SlowDeliveries = 6400,
    };

    private static readonly Sizes Full = new(300_000, 60_000, TimeSpan.FromSeconds(15), 10000, 200_000, TimeSpan.FromSeconds(300), 5000, TimeSpan.FromSeconds(15))
    {
        WolverineMessages = 20_000, SlowDeliveries = 25_600,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var work = Path.Combine("/tmp", "techlink-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            return await RunAsync(args, work);
        }
        finally
        {
            // Every data folder of the run (hundreds of MB with the backlogs), also after a diagnosis run or a failure.
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<int> RunAsync(string[] args, string work)
    {
        var full = args.Contains("--full");
        var sizes = full ? Full : Quick;
        // Diagnosis: more events for a profile (`--events 30000 --engine-only`).
        if (Arg(args, "--events") is { } events) sizes = sizes with { Engine = int.Parse(events, CultureInfo.InvariantCulture) };
        var outDir = Arg(args, "--out") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../results"));
        Directory.CreateDirectory(outDir);
        var dirs = 0;
        string NewDir() => Path.Combine(work, (++dirs).ToString(CultureInfo.InvariantCulture));

        var options = new DeliveryOptions();
        // One registration per event: the per-endpoint cap is the engine's effective concurrency; bare and Hangfire get the same.
        var concurrency = Math.Min(options.MaxConcurrency, options.MaxConcurrencyPerEndpoint);
        var clock = Stopwatch.StartNew();
        var rows = new List<Row>();
        var notes = new List<string>();
        void Add(Row row)
        {
            rows.Add(row);
            Console.WriteLine(row.Markdown);
        }

        void Progress(string what) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {what}");

        Console.WriteLine($"| scenario | result | baseline (same run) | ratio | floor | met |");
        Console.WriteLine($"|---|---|---|---|---|---|");
        // Stopped on SIGTERM too (the run's timeout, an interrupted bench/ab): PostgresCluster sees to it.
        await using var pg = await PostgresCluster.StartAsync();
        await using var receiver = await ReceiverProcess.StartAsync();
        var s = new Scenarios(receiver, concurrency);

        if (args.Contains("--isolation-only"))
        {
            // Diagnosis: the isolation pair alone.
            var h = await s.IsolationAsync(new Storage(NewDir(), null), false, sizes.IsolationEvents);
            var d = await s.IsolationAsync(new Storage(NewDir(), null), true, sizes.IsolationEvents);
            Console.WriteLine($"isolation: healthy {h.PerSecond:0}/s ({h.Seconds:0.00} s), one dead {d.PerSecond:0}/s ({d.Seconds:0.00} s), ratio {d.PerSecond / h.PerSecond:0.00}");
            return 0;
        }

        if (args.Contains("--drain-only"))
        {
            // Diagnosis: the dispatcher alone (server process, Roles=dispatcher) draining a SQLite backlog.
            var backlog = Arg(args, "--backlog") is { } b ? int.Parse(b, CultureInfo.InvariantCulture) : sizes.Backlog;
            var registrations = Arg(args, "--registrations") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 1;
            var drain = await s.DrainAsync(NewDir(), registrations, backlog, sizes.DrainBound);
            Console.WriteLine($"drain: {registrations:N0} registrations, {drain.Delivered:N0} in {drain.Seconds:0.0} s ({drain.PerSecond:0}/s), peak RSS {drain.PeakRssMb:0} MB");
            return 0;
        }

        if (Arg(args, "--writes-only") is { } writes)
        {
            // Diagnosis: the producers alone (Roles=api, SQLite unless --postgres), N events, for a profiler to watch.
            var n = int.Parse(writes, CultureInfo.InvariantCulture);
            var storage = args.Contains("--postgres") ? new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")) : new Storage(NewDir(), null);
            var micros = await s.WriteOnlyCpuAsync(storage, n);
            Console.WriteLine($"writes only: {n:N0} events, {micros:0} µs CPU each (all processes)");
            return 0;
        }

        if (args.Contains("--api-profile"))
        {
            // Diagnosis: where a POST note's time goes (statements per request, CPU per request), one request at a time.
            var n = Arg(args, "--api-profile") is { } count && int.TryParse(count, out var parsed) ? parsed : 500;
            // Roles=api: the request's own cost, without the dispatcher delivering the notes meanwhile.
            Console.WriteLine(await ApiProfile.RunAsync(NewDir(), receiver, n, Arg(args, "--roles") ?? "api"));
            return 0;
        }

        if (Arg(args, "--latency-only") is { } latencyRate)
        {
            // Diagnosis: the PostgreSQL latency scenario alone at a given rate.
            var rate = double.Parse(latencyRate, CultureInfo.InvariantCulture);
            var l = await s.EngineLatencyAsync(new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")), rate, sizes.LatencyFor);
            Console.WriteLine($"latency-postgres @ {rate}/s: p50 {l.P50:0.0} ms, p99 {l.P99:0.0} ms, max {l.Max:0} ms (n={l.Count})");
            return 0;
        }

        // Development: `--rows bare,limit,wolverine,api,fanout,slow,...` runs only those rows (the SUMMARY then has gaps).
        var only = Arg(args, "--rows")?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        bool Run(string row) => only is null || only.Contains(row);

        // The throughput rows, the baselines they are divided by and the Wolverine peer, in counterbalanced passes: see
        // Counterbalance. Each row's figure is the sum of its two passes, each with half of its events.
        var sqliteOnly = args.Contains("--sqlite-only");
        var items = new List<Counterbalance.Item> { new("bare", n => s.BareAsync(n), sizes.Bare) };
        if (Run("engine"))
        {
            items.Add(new("engine-sqlite", n => s.EngineAsync(new Storage(NewDir(), null), n), sizes.Engine));
            if (!sqliteOnly) items.Add(new("engine-postgres", async n => await s.EngineAsync(new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")), n), sizes.Engine));
        }

        if (Run("limit"))
        {
            items.Add(new("durable limit, SQLite", n => DurableLimit.RunAsync(new Storage(NewDir(), null), receiver, concurrency, n, Scenarios.WriteBatch), sizes.Engine));
            if (!sqliteOnly) items.Add(new("durable limit, PostgreSQL", async n => await DurableLimit.RunAsync(new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")), receiver, concurrency, n, Scenarios.WriteBatch), sizes.Engine));
        }

        if (Run("wolverine") && !sqliteOnly && !args.Contains("--engine-only"))
        {
            // The product's sender comes from a server of its own, alive only during the peer's run: a server's telemetry
            // listens to every HttpClient in the process, the bare loop's too.
            items.Add(new("wolverine", async n =>
            {
                await using var senderHost = await InProcessServer.StartAsync(new Storage(NewDir(), null), "api");
                var sender = senderHost.Services.GetRequiredService<TechLink.Delivery.Sending.WebhookSender>();
                return await WolverinePeer.RunAsync(await pg.CreateDatabaseAsync("wolverine"), receiver, concurrency, n, sender);
            }, sizes.WolverineMessages));
        }

        var measured = await Counterbalance.RunAsync(items, Progress);
        var passes = $"{Counterbalance.Passes} passes";
        var bare = measured["bare"];
        Add(new Row($"bare (HttpClient loop, {concurrency} in flight; {passes})", $"{bare.PerSecond:0} req/s", "", "", "", null));

        var nan = new Throughput(0, 0, 0, false);
        var sqlite = measured.GetValueOrDefault("engine-sqlite") ?? nan;
        var postgres = measured.GetValueOrDefault("engine-postgres") ?? nan;
        double sqliteVsBare = double.NaN, postgresVsBare = double.NaN;
        if (measured.ContainsKey("engine-sqlite"))
        {
            sqliteVsBare = sqlite.PerSecond / bare.PerSecond;
            Add(new Row($"engine-sqlite ({sizes.Engine} events; {passes})", $"{sqlite.PerSecond:0} events/s{Incomplete(sqlite)} (written at {sqlite.WrittenPerSecond:0}/s)", $"bare {bare.PerSecond:0}/s", $"{sqliteVsBare:0.00}", "≥ 0.3", sqliteVsBare >= 0.3));
        }

        if (measured.ContainsKey("engine-postgres"))
        {
            postgresVsBare = postgres.PerSecond / bare.PerSecond;
            Add(new Row($"engine-postgres ({sizes.Engine} events; {passes})", $"{postgres.PerSecond:0} events/s{Incomplete(postgres)} (written at {postgres.WrittenPerSecond:0}/s)", $"bare {bare.PerSecond:0}/s", $"{postgresVsBare:0.00}", "≥ 0.25", postgresVsBare >= 0.25));
        }

        double sqliteVsLimit = double.NaN, postgresVsLimit = double.NaN;
        if (measured.TryGetValue("durable limit, SQLite", out var limitSqlite))
        {
            sqliteVsLimit = sqlite.PerSecond / limitSqlite.PerSecond;
            Add(new Row($"durable limit, SQLite ({sizes.Engine} events; {passes}; hand-written loop, no dispatcher)", $"{limitSqlite.PerSecond:0} events/s{Incomplete(limitSqlite)}, {limitSqlite.CpuMicrosPerDelivery:0} µs CPU each",
                $"engine-sqlite {sqlite.PerSecond:0}/s", $"{sqliteVsLimit:0.00}", "≥ 0.8", sqliteVsLimit >= 0.8));
        }

        if (measured.TryGetValue("durable limit, PostgreSQL", out var limitPostgres))
        {
            postgresVsLimit = postgres.PerSecond / limitPostgres.PerSecond;
            Add(new Row($"durable limit, PostgreSQL ({sizes.Engine} events; {passes}; hand-written loop, no dispatcher)", $"{limitPostgres.PerSecond:0} events/s{Incomplete(limitPostgres)}, {limitPostgres.CpuMicrosPerDelivery:0} µs CPU each",
                $"engine-postgres {postgres.PerSecond:0}/s", $"{postgresVsLimit:0.00}", "≥ 0.7", postgresVsLimit >= 0.7));
        }

        if (sqliteOnly) return 0;

        if (Run("diagnosis") && Run("engine"))
        {
            Add(new Row("diagnosis: CPU per delivery, all processes (this one, receiver, PostgreSQL)",
                $"engine-sqlite {sqlite.CpuMicrosPerDelivery:0} µs, engine-postgres {postgres.CpuMicrosPerDelivery:0} µs",
                $"bare {bare.CpuMicrosPerDelivery:0} µs", $"{sqlite.CpuMicrosPerDelivery / bare.CpuMicrosPerDelivery:0.0}× / {postgres.CpuMicrosPerDelivery / bare.CpuMicrosPerDelivery:0.0}×", "", null));
        }

        // Diagnosis rows that take a minute of their own: in the full run (and `--rows engine,diagnosis`) only, so that the quick run
        // keeps its time for the measured rows.
        if (Run("diagnosis") && (full || only is not null) && Run("engine"))
        {
            // Diagnosis A/B: the same SQLite run with the database on tmpfs, where a commit costs no fsync.
            Progress("engine-sqlite on tmpfs");
            var shm = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", Path.GetFileName(work)) : NewDir();
            var tmpfs = await s.EngineAsync(new Storage(shm, null), sizes.Engine);
            try { Directory.Delete(shm, recursive: true); } catch (IOException) { }
            Add(new Row("diagnosis: engine-sqlite with the database on tmpfs (no fsync per commit)", $"{tmpfs.PerSecond:0} events/s{Incomplete(tmpfs)} (written at {tmpfs.WrittenPerSecond:0}/s)",
                $"engine-sqlite {sqlite.PerSecond:0}/s", $"{tmpfs.PerSecond / sqlite.PerSecond:0.00}", "", null));
            var writeOnly = await s.WriteOnlyCpuAsync(new Storage(NewDir(), null), sizes.Engine);
            var writeOnlyPg = await s.WriteOnlyCpuAsync(new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")), sizes.Engine);
            Add(new Row("diagnosis: CPU per event written by the producers alone (no dispatcher), all processes",
                $"sqlite {writeOnly:0} µs, postgres {writeOnlyPg:0} µs", $"engine-sqlite {sqlite.CpuMicrosPerDelivery:0} µs, engine-postgres {postgres.CpuMicrosPerDelivery:0} µs",
                $"{writeOnly / sqlite.CpuMicrosPerDelivery:0.00} / {writeOnlyPg / postgres.CpuMicrosPerDelivery:0.00} of it", "", null));
            Progress("send path alone");
            var sender = await s.SenderOnlyAsync(new Storage(NewDir(), null), sizes.Bare);
            Add(new Row("diagnosis: the product's WebhookSender alone (signing, guard, excerpt; nothing persisted), 8 in flight",
                $"{sender.PerSecond:0} req/s, {sender.CpuMicrosPerDelivery:0} µs CPU per request", $"bare {bare.PerSecond:0}/s, {bare.CpuMicrosPerDelivery:0} µs",
                $"{sender.PerSecond / bare.PerSecond:0.00}", "", null));
        }

        if (args.Contains("--engine-only")) return 0;

        var overheads = new List<double>();
        if (Run("latency"))
        {
            // The latency scenario writes one event per transaction (as the API does): its arrival rate is half the engine's
            // maximum for that write shape, measured here the same way as engine-* (8 writers), not the batched maximum above.
            Progress("engine, one event per transaction");
            var singles = new List<(string Name, double Max)>();
            var singleEvents = sizes.Engine / 4;
            foreach (var storage in new[] { new Storage(NewDir(), null), new Storage(NewDir(), await pg.CreateDatabaseAsync("bench")) })
            {
                var single = await s.EngineAsync(storage, singleEvents, eventsPerTransaction: 1);
                singles.Add((storage.Name, single.PerSecond));
                Add(new Row($"engine-{storage.Name}, one event per transaction ({singleEvents} events)", $"{single.PerSecond:0} events/s{Incomplete(single)} (written at {single.WrittenPerSecond:0}/s)",
                    $"engine-{storage.Name} batched {(storage.IsPostgres ? postgres : sqlite).PerSecond:0}/s", "", "", null));
            }

            Progress("latency");
            foreach (var (name, max, storage) in new[] { ("sqlite", singles[0].Max, new Storage(NewDir(), null)), ("postgres", singles[1].Max, new Storage(NewDir(), await pg.CreateDatabaseAsync("bench"))) })
            {
                var rate = Math.Max(10, Math.Round(max / 2));
                var engine = await s.EngineLatencyAsync(storage, rate, sizes.LatencyFor);
                var baseline = await s.BareLatencyAsync(rate, sizes.LatencyFor);
                var overhead = engine.P99 - baseline.P99;
                overheads.Add(overhead);
                Add(new Row($"latency-{name} @ {rate:0}/s (achieved {engine.RateAchieved:0}/s, n={engine.Count})",
                    $"p50 {engine.P50:0.0} ms, p99 {engine.P99:0.0} ms, max {engine.Max:0}",
                    $"bare p50 {baseline.P50:0.00} ms, p99 {baseline.P99:0.00} ms", $"+{overhead:0.0} ms p99", "≤ 10 ms", overhead <= 10));
            }
        }

        var isolation = double.NaN;
        if (Run("isolation"))
        {
            // Counterbalanced like the throughput rows: all healthy, one dead, then one dead, all healthy.
            var pair = await Counterbalance.RunAsync(
                [
                    new("isolation, all healthy", n => s.IsolationAsync(new Storage(NewDir(), null), false, n), sizes.IsolationEvents),
                    new("isolation, one dead", n => s.IsolationAsync(new Storage(NewDir(), null), true, n), sizes.IsolationEvents),
                ], Progress);
            var (healthy, oneDead) = (pair["isolation, all healthy"], pair["isolation, one dead"]);
            isolation = oneDead.PerSecond / healthy.PerSecond;
            Add(new Row($"isolation (10 endpoints × {sizes.IsolationEvents} events in {Counterbalance.Passes} passes, 1 never answers)", $"{oneDead.PerSecond:0} deliveries/s to the 9 healthy{Incomplete(oneDead)}",
                $"same 9 when all 10 healthy {healthy.PerSecond:0}/s", $"{isolation:0.00}", "≥ 0.95", isolation >= 0.95));
        }

        var memory = new Drain(0, 0, 0, 0, double.NaN, false);
        if (Run("memory"))
        {
            Progress("memory");
            memory = await s.DrainAsync(NewDir(), 1, sizes.Backlog, sizes.DrainBound);
            Add(new Row($"memory (server, Roles=dispatcher, SQLite backlog {sizes.Backlog:N0})",
                $"peak RSS {memory.PeakRssMb:0} MB; drained {memory.Delivered:N0} in {memory.Seconds:0.0} s ({memory.PerSecond:0}/s){(memory.Complete ? "" : $", stopped at the {sizes.DrainBound.TotalSeconds:0} s bound")}",
                "", "", "≤ 200 MB", memory.PeakRssMb <= 200));
        }

        var postgresBaseline = measured.ContainsKey("engine-postgres") ? $"engine-postgres {postgres.PerSecond:0}/s" : "engine-postgres not run";
        var vsHangfire = double.NaN;
        if (Run("hangfire"))
        {
            Progress("hangfire");
            var (hangfire, stalled) = await HangfirePeer.RunAsync(await pg.CreateDatabaseAsync("hangfire"), receiver, concurrency, sizes.HangfireJobs);
            // Without the engine-postgres row (a partial --rows run) there is nothing to compare with: NaN, not 0.
            vsHangfire = measured.ContainsKey("engine-postgres") && hangfire.PerSecond > 0 ? postgres.PerSecond / hangfire.PerSecond : double.NaN;
            Add(new Row($"peer: Hangfire.PostgreSql ({sizes.HangfireJobs} jobs, {concurrency} workers)", $"{hangfire.PerSecond:0} jobs/s{Incomplete(hangfire)}{(stalled is null ? "" : $" ({stalled})")}",
                postgresBaseline, $"{vsHangfire:0.00}", "≥ 10", double.IsNaN(vsHangfire) ? null : vsHangfire >= 10));
        }

        var vsWolverine = double.NaN;
        if (measured.TryGetValue("wolverine", out var wolverine))
        {
            vsWolverine = measured.ContainsKey("engine-postgres") && wolverine.PerSecond > 0 ? postgres.PerSecond / wolverine.PerSecond : double.NaN;
            Add(new Row($"peer: WolverineFx + PostgreSQL store + EF Core outbox ({sizes.WolverineMessages} messages; {passes}; {concurrency} parallel handlers)", $"{wolverine.PerSecond:0} delivered/s{Incomplete(wolverine)}",
                postgresBaseline, $"{vsWolverine:0.00}", "≥ 2", double.IsNaN(vsWolverine) ? null : vsWolverine >= 2));
        }

        var apiVsBare = double.NaN;
        if (Run("api"))
        {
            Progress("api");
            var (api, bareApi) = await s.ApiAsync(NewDir(), NewDir(), sizes.ApiFor);
            apiVsBare = api.AcceptedPerSecond / bareApi.AcceptedPerSecond;
            Add(new Row($"api (POST notes, {concurrency} clients, {sizes.ApiFor.TotalSeconds:0} s each side in {Scenarios.ApiRounds} alternating slices, SQLite, server process, delivery running)",
                $"{api.AcceptedPerSecond:0} notes/s accepted ({api.Rejected} rejected); delivered {api.Delivered:N0} of {api.Accepted:N0}{(api.AllDeliveredInTurn ? "" : " (NOT all within 60 s, so later slices did not wait for theirs)")}, {api.Duplicates} duplicate receipts; after a {api.WarmUpSeconds:0} s warm-up (server JIT {api.LastWarmUpJitMs:0} ms in its last second, {api.MeasuredJitMs:0} ms while measured)",
                $"bare minimal API + EF Core insert {bareApi.AcceptedPerSecond:0}/s ({bareApi.Rejected} rejected)", $"{apiVsBare:0.00}", "≥ 0.35", apiVsBare >= 0.35));
        }

        var fanOut = double.NaN;
        if (Run("fanout"))
        {
            Progress("fan-out");
            var wide = await s.DrainAsync(NewDir(), sizes.FanOut, sizes.FanOut, TimeSpan.FromSeconds(60));
            var deep = await s.DrainAsync(NewDir(), 1, sizes.FanOut, TimeSpan.FromSeconds(60));
            fanOut = wide.PerSecond / deep.PerSecond;
            Add(new Row($"fan-out ({sizes.FanOut:N0} registrations with one delivery each, server Roles=dispatcher)", $"{wide.PerSecond:0} delivered/s{(wide.Complete ? "" : $" (INCOMPLETE: {wide.Delivered})")}",
                $"one registration with {sizes.FanOut:N0}: {deep.PerSecond:0}/s", $"{fanOut:0.00}", "≥ 0.8", fanOut >= 0.8));
        }

        var efficiency = double.NaN;
        if (Run("slow"))
        {
            Progress("slow receivers");
            const int SlowEndpoints = 100;
            var ideal = Math.Min(options.MaxConcurrency, SlowEndpoints * options.MaxConcurrencyPerEndpoint) / Receiver.SlowAnswer.TotalSeconds;
            var slow = await s.DrainAsync(NewDir(), SlowEndpoints, sizes.SlowDeliveries, TimeSpan.FromSeconds(60), slow: true);
            efficiency = slow.PerSecond / ideal;
            Add(new Row($"slow receivers ({SlowEndpoints} endpoints answering after {Receiver.SlowAnswer.TotalMilliseconds:0} ms, {sizes.SlowDeliveries:N0} deliveries)", $"{slow.PerSecond:0} delivered/s{(slow.Complete ? "" : $" (INCOMPLETE: {slow.Delivered})")}",
                $"ideal min({options.MaxConcurrency}, {SlowEndpoints} × {options.MaxConcurrencyPerEndpoint}) / {Receiver.SlowAnswer.TotalSeconds:0.0} s = {ideal:0}/s", $"{efficiency:0.00}", "≥ 0.85", efficiency >= 0.85));
        }

        var growth = new List<Drain>();
        if (full)
        {
            foreach (var registrations in new[] { 1, 100, 10_000 })
            {
                Progress($"growth: {registrations} registrations");
                growth.Add(await s.DrainAsync(NewDir(), registrations, 10_000, TimeSpan.FromSeconds(120)));
            }

            foreach (var backlog in new[] { 100_000, 1_000_000 })
            {
                Progress($"growth: backlog {backlog}");
                growth.Add(await s.DrainAsync(NewDir(), 1, backlog, TimeSpan.FromSeconds(60)));
            }
        }

        var p99 = overheads.Count > 0 ? overheads.Max() : double.NaN;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY sqlite_vs_durable_limit={sqliteVsLimit:0.00} postgres_vs_durable_limit={postgresVsLimit:0.00} sqlite_vs_bare={sqliteVsBare:0.00} postgres_vs_bare={postgresVsBare:0.00} p99_overhead_ms={p99:0.0} isolation={isolation:0.00} rss_mb={memory.PeakRssMb:0} vs_hangfire={vsHangfire:0.00} vs_wolverine={vsWolverine:0.00} api_vs_bare_api={apiVsBare:0.00} fanout_vs_single={fanOut:0.00} concurrency_efficiency={efficiency:0.00}");
        var stamp = DateTime.Now;
        var file = Path.Combine(outDir, $"{stamp:yyyy-MM-dd}{(full ? "-full" : "")}.md");
        var svg = full ? Path.Combine(outDir, $"{stamp:yyyy-MM-dd}-growth.svg") : null;
        if (svg is not null) await File.WriteAllTextAsync(svg, Chart.Growth(growth));
        await File.WriteAllTextAsync(file, Report(full, stamp, clock.Elapsed, concurrency, options, rows, growth, svg, summary));
        Progress($"wrote {file}");
        Console.WriteLine(summary);
        return 0;
    }

    private static string Incomplete(Throughput t) => t.Complete ? "" : $" (INCOMPLETE: {t.Delivered} received)";

    private static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
