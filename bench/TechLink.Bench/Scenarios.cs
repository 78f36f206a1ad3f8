using TechLink.Delivery.Outbox;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Webhooks;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Bench;

internal sealed record Throughput(long Delivered, double Seconds, long Duplicates, bool Complete)
{
    public double PerSecond => Seconds > 0 ? Delivered / Seconds : 0;

    /// <summary>For engine runs: how fast the producers committed the events, to tell their limit from the dispatcher's.</summary>
    public double? WrittenPerSecond { get; init; }

    /// <summary>CPU time of every process involved (this one, the receiver, PostgreSQL) per delivered request, in microseconds.</summary>
    public double? CpuMicrosPerDelivery { get; init; }
}

internal sealed record Latency(double RateAsked, double RateAchieved, int Count, double P50, double P99, double Max);

internal sealed record Drain(int Registrations, int Backlog, long Delivered, double Seconds, double PeakRssMb, bool Complete)
{
    public double PerSecond => Seconds > 0 ? Delivered / Seconds : 0;
}

internal sealed record ApiRun(long Accepted, long Rejected, double Seconds, long Delivered, double DeliveredSeconds, long Duplicates)
{
    /// <summary>How long the warm-up ran, and the server's JIT compilation in its last second (null: not measured).</summary>
    public double WarmUpSeconds { get; init; }

    public double? LastWarmUpJitMs { get; init; }

    /// <summary>The server's JIT compilation time during the measured part, in ms (null: not measured).</summary>
    public double? MeasuredJitMs { get; init; }

    public double AcceptedPerSecond => Accepted / Seconds;

    /// <summary>Whether every accepted note was delivered within the row's bound (the api row waits for them after each of its slices).</summary>
    public bool AllDeliveredInTurn { get; init; } = true;
}

/// <summary>The scenarios. Every one runs against the same receiver process; every figure comes with a baseline from the same run.</summary>
internal sealed partial class Scenarios(ReceiverProcess receiver, int concurrency)
{
    public const int WriteBatch = 50;
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    // 1. bare: the same POSTs at the same concurrency, nothing persisted.
    public async Task<Throughput> BareAsync(int count)
    {
        using var client = NewClient();
        await BareWarmUpAsync(client);
        var cpu = CpuMeter.Total(receiver.ProcessId);
        var start = Stopwatch.GetTimestamp();
        await BareLoopAsync(client, 0, count);
        var s = await receiver.WaitForAsync(count, Patience);
        var micros = (CpuMeter.Total(receiver.ProcessId) - cpu).TotalMicroseconds / Math.Max(1, s.Count);
        return new Throughput(s.Count, Seconds(s.LastTimestamp - start), s.Duplicates, s.Complete) { CpuMicrosPerDelivery = micros };
    }

    /// <summary>The same warm-up as the engine's (<see cref="WarmUpAsync"/>), so both are measured compiled.</summary>
    private async Task BareWarmUpAsync(HttpClient client)
    {
        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < 50 && (round == 0 || Stopwatch.GetElapsedTime(started) < WarmUp); round++)
        {
            await receiver.ResetAsync();
            await BareLoopAsync(client, 2_000_000 + (round * 5000L), 5000);
            await receiver.WaitForAsync(5000, Patience);
        }

        await receiver.ResetAsync();
    }

    private async Task BareLoopAsync(HttpClient client, long firstSeq, int count)
    {
        var next = -1L;
        var url = receiver.Ok(0);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var content = new ByteArrayContent(Payloads.Bytes(firstSeq + i));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(url, content);
                response.EnsureSuccessStatusCode();
            }
        })));
    }

    /// <summary>
    /// Diagnosis: the product's <c>WebhookSender</c> alone (signing, headers, network guard, excerpt; nothing persisted),
    /// at the same concurrency as the bare loop: what the send path costs before any database work.
    /// </summary>
    public async Task<Throughput> SenderOnlyAsync(Storage storage, int count)
    {
        await using var server = await InProcessServer.StartAsync(storage, "api");
        var sender = server.Services.GetRequiredService<TechLink.Delivery.Sending.WebhookSender>();
        var target = new TechLink.Delivery.Model.EndpointTarget(new Uri(receiver.Ok(0)), "token", [TechLink.Delivery.Signing.WebhookSecret.Generate()], true);
        async Task LoopAsync(long firstSeq, int n)
        {
            var next = -1L;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                long i;
                while ((i = Interlocked.Increment(ref next)) < n)
                {
                    var outcome = await sender.SendAsync(target, "msg_" + (firstSeq + i), Payloads.Json(firstSeq + i), CancellationToken.None);
                    if (outcome.Failure is not null) throw new InvalidOperationException(outcome.Error);
                }
            })));
        }

        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < 50 && (round == 0 || Stopwatch.GetElapsedTime(started) < WarmUp); round++)
        {
            await receiver.ResetAsync();
            await LoopAsync(4_000_000 + (round * 5000L), 5000);
            await receiver.WaitForAsync(5000, Patience);
        }

        await receiver.ResetAsync();
        var cpu = CpuMeter.Total(receiver.ProcessId);
        var start = Stopwatch.GetTimestamp();
        await LoopAsync(0, count);
        var s = await receiver.WaitForAsync(count, Patience);
        var micros = (CpuMeter.Total(receiver.ProcessId) - cpu).TotalMicroseconds / Math.Max(1, s.Count);
        return new Throughput(s.Count, Seconds(s.LastTimestamp - start), s.Duplicates, s.Complete) { CpuMicrosPerDelivery = micros };
    }

    // 2. engine: events through EventOutbox into the server's DbContext, delivered by the real dispatcher.
    public async Task<Throughput> EngineAsync(Storage storage, int count, int eventsPerTransaction = WriteBatch)
    {
        await using var server = await InProcessServer.StartAsync(storage);
        var (company, _) = await server.CreateCompanyAsync([receiver.Ok(0)]);
        await WarmUpAsync(server, company, 1);
        var cpu = CpuMeter.Total(receiver.ProcessId);
        var started = Stopwatch.GetTimestamp();
        var first = await ProduceBatchedAsync(server, company, 0, count, concurrency, eventsPerTransaction);
        var written = count / Seconds(Stopwatch.GetTimestamp() - started);
        var s = await receiver.WaitForAsync(count, Patience);
        var micros = (CpuMeter.Total(receiver.ProcessId) - cpu).TotalMicroseconds / Math.Max(1, s.Count);
        return new Throughput(s.Count, Seconds(s.LastTimestamp - first), s.Duplicates, s.Complete) { WrittenPerSecond = written, CpuMicrosPerDelivery = micros };
    }

    /// <summary>Diagnosis: the producers alone (no dispatcher on this server), CPU of all processes per event written.</summary>
    public async Task<double> WriteOnlyCpuAsync(Storage storage, int count)
    {
        await using var server = await InProcessServer.StartAsync(storage, "api");
        var (company, _) = await server.CreateCompanyAsync([receiver.Ok(0)]);
        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < 50 && (round == 0 || Stopwatch.GetElapsedTime(started) < WarmUp); round++)
        {
            await ProduceBatchedAsync(server, company, 3_000_000 + (round * 1000L), 1000, concurrency, WriteBatch);
        }

        var cpu = CpuMeter.Total(receiver.ProcessId);
        await ProduceBatchedAsync(server, company, 0, count, concurrency, WriteBatch);
        return (CpuMeter.Total(receiver.ProcessId) - cpu).TotalMicroseconds / count;
    }

    /// <summary>
    /// Rounds of events until <see cref="WarmUp"/> has passed: the JIT's tiered compilation keeps compiling a fresh server's
    /// hot paths for seconds, and a run measured during that measures the compiler (seen with perf: 20% of the CPU).
    /// </summary>
    private async Task WarmUpAsync(InProcessServer server, long company, int healthyEndpoints, int events = 1000)
    {
        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < 50 && (round == 0 || Stopwatch.GetElapsedTime(started) < WarmUp); round++)
        {
            await receiver.ResetAsync();
            await ProduceBatchedAsync(server, company, 3_000_000 + (round * (long)events), events, concurrency, WriteBatch);
            await receiver.WaitForAsync(events * healthyEndpoints, Patience);
        }

        await receiver.ResetAsync();
    }

    /// <summary>
    /// Writes <paramref name="count"/> events in transactions of <paramref name="batch"/>, <paramref name="writers"/>
    /// transactions at a time (as a server's concurrent requests would); answers when the first one committed.
    /// </summary>
    private static async Task<long> ProduceBatchedAsync(InProcessServer server, long companyId, long firstSeq, int count, int writers, int batch)
    {
        var outbox = server.Services.GetRequiredService<EventOutbox>();
        long first = long.MaxValue;
        var batches = Enumerable.Range(0, (count + batch - 1) / batch).Select(b => b * batch);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (start, cancellationToken) =>
        {
            await using var db = server.CreateDbContext();
            for (var i = start; i < Math.Min(count, start + batch); i++)
            {
                await outbox.AddAsync(db, companyId, TechLinkEventTypes.WorkOrderNoteAdded, null, Payloads.Event(firstSeq + i), cancellationToken);
            }

            await db.SaveAndPublishAsync(cancellationToken);
            var committed = Stopwatch.GetTimestamp();
            long seen;
            while (committed < (seen = Interlocked.Read(ref first)) && Interlocked.CompareExchange(ref first, committed, seen) != seen)
            {
                // Another writer moved it: look again.
            }
        });

        return first;
    }

    // 3. latency: a fixed arrival rate, one event per transaction (as the API writes them), commit-to-receipt.
    public async Task<Latency> EngineLatencyAsync(Storage storage, double rate, TimeSpan duration)
    {
        await using var server = await InProcessServer.StartAsync(storage);
        var (company, _) = await server.CreateCompanyAsync([receiver.Ok(0)]);
        await WarmUpAsync(server, company, 1);
        var outbox = server.Services.GetRequiredService<EventOutbox>();
        var total = (int)(rate * duration.TotalSeconds);
        var committed = new long[total];
        // At most `concurrency` transactions in flight, as when the rate's maximum was measured (the one-event rows). With 64
        // in flight, 64 PostgreSQL backends thrashed on 2 cores: p99 80-400 ms at the same rate, 15 ms with 8.
        var elapsed = await Pacer.RunAsync(rate, total, concurrency, async seq =>
        {
            await using var db = server.CreateDbContext();
            await outbox.AddAsync(db, company, TechLinkEventTypes.WorkOrderNoteAdded, null, Payloads.Event(seq));
            await db.SaveAndPublishAsync();
            committed[seq] = Stopwatch.GetTimestamp();
        });
        await receiver.WaitForAsync(total, Patience);
        return await LatenciesAsync(rate, total / elapsed, committed);
    }

    public async Task<Latency> BareLatencyAsync(double rate, TimeSpan duration)
    {
        using var client = NewClient();
        await BareWarmUpAsync(client);
        var total = (int)(rate * duration.TotalSeconds);
        var sent = new long[total];
        var url = receiver.Ok(0);
        var elapsed = await Pacer.RunAsync(rate, total, concurrency, async seq =>
        {
            using var content = new ByteArrayContent(Payloads.Bytes(seq));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            sent[seq] = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(url, content);
        });
        await receiver.WaitForAsync(total, Patience);
        return await LatenciesAsync(rate, total / elapsed, sent);
    }

    private async Task<Latency> LatenciesAsync(double rate, double achieved, long[] start)
    {
        var receipts = await receiver.ReceiptsAsync();
        var ms = new List<double>(start.Length);
        for (var seq = 0; seq < start.Length; seq++)
        {
            if (receipts.TryGetValue((0, seq), out var at) && start[seq] != 0) ms.Add(Seconds(at - start[seq]) * 1000);
        }

        ms.Sort();
        double P(double q) => ms.Count == 0 ? double.NaN : ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
        await receiver.ResetAsync();
        return new Latency(rate, achieved, ms.Count, P(0.5), P(0.99), ms.Count == 0 ? double.NaN : ms[^1]);
    }

    // 4. isolation: 10 endpoints, the last one never answering (or all healthy).
    public async Task<Throughput> IsolationAsync(Storage storage, bool oneDead, int events)
    {
        const int Endpoints = 10;
        await using var server = await InProcessServer.StartAsync(storage);
        var urls = Enumerable.Range(0, Endpoints).Select(i => oneDead && i == Endpoints - 1 ? receiver.Hang(i) : receiver.Ok(i)).ToList();
        var (company, _) = await server.CreateCompanyAsync(urls);
        var healthy = oneDead ? Endpoints - 1 : Endpoints;
        await WarmUpAsync(server, company, healthy, 300);
        var first = await ProduceBatchedAsync(server, company, 0, events, concurrency, WriteBatch);
        var s = await receiver.WaitForAsync((long)events * healthy, Patience);
        if (oneDead) return new Throughput(s.Count, Seconds(s.LastTimestamp - first), s.Duplicates, s.Complete);

        // All healthy: the baseline is the same nine endpoints (0-8) as in the run where the tenth never answers, so the
        // ratio says how much the dead one slows the others, not that a tenth of the events go nowhere.
        var nine = (await receiver.ReceiptsAsync()).Where(r => r.Key.Ep < Endpoints - 1).ToList();
        await receiver.ResetAsync();
        return new Throughput(nine.Count, Seconds(nine.Max(r => r.Value) - first), s.Duplicates, s.Complete);
    }

    // 5./7. memory and growth: the real server binary with Roles=dispatcher drains a pre-inserted SQLite backlog.
    public async Task<Drain> DrainAsync(string dataPath, int registrations, int backlog, TimeSpan bound, bool slow = false)
    {
        var storage = new Storage(dataPath, null);
        long company;
        List<long> ids;
        await using (var prep = await InProcessServer.StartAsync(storage, "api"))
        {
            (company, ids) = await prep.CreateCompanyAsync([.. Enumerable.Range(0, registrations).Select(i => slow ? receiver.Slow(i) : receiver.Ok(i))]);
        }

        Backlog.InsertSqlite(storage.SqliteFile, company, ids, backlog);
        await receiver.ResetAsync();
        var started = Stopwatch.GetTimestamp();
        await using var child = await ChildServer.StartAsync(storage, "dispatcher");
        var peak = 0.0;
        var stats = await receiver.StatsAsync();
        var deadline = started + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        while (stats.Count < backlog && Stopwatch.GetTimestamp() < deadline)
        {
            peak = Math.Max(peak, ProcStatus.Read(child.ProcessId).HwmMb);
            await Task.Delay(100);
            stats = await receiver.StatsAsync();
        }

        peak = Math.Max(peak, ProcStatus.Read(child.ProcessId).HwmMb);
        var seconds = stats.Count == 0 ? 0 : Seconds(stats.LastTimestamp - stats.FirstTimestamp);
        return new Drain(registrations, backlog, stats.Count, seconds, peak, stats.Count >= backlog);
    }

    private HttpClient NewClient() => new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency, AllowAutoRedirect = false });
}

/// <summary>Starts work at a fixed arrival rate (open loop, bounded in flight); answers the seconds it took to start them all and see them finish.</summary>
internal static class Pacer
{
    public static async Task<double> RunAsync(double rate, int total, int maxInFlight, Func<int, Task> action)
    {
        using var gate = new SemaphoreSlim(maxInFlight);
        var tasks = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var i = 0;
        while (i < total)
        {
            var due = start + (long)(i * Stopwatch.Frequency / rate);
            if (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
                continue;
            }

            await gate.WaitAsync();
            var seq = i++;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await action(seq);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Task.WhenAll(tasks);
        return Scenarios.Seconds(Stopwatch.GetTimestamp() - start);
    }
}
