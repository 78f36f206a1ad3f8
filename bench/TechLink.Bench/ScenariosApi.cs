using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace TechLink.Bench;

/// <summary>The API path (issue 18, row 3): notes through the real server's REST API against a bare minimal-API app.</summary>
internal sealed partial class Scenarios
{
    /// <summary>Rounds of the api row: each side's time is split into this many slices.</summary>
    public const int ApiRounds = 4;

    private const int WarmUpNotes = 100;

    /// <summary>The warm-up stops once the server compiled less than this in its last second (2% of one core).</summary>
    private static readonly TimeSpan QuietJit = TimeSpan.FromMilliseconds(20);

    /// <summary>The warm-up's bound when the JIT does not quieten (the row then says how much it still compiled).</summary>
    private static readonly TimeSpan MaxApiWarmUp = TimeSpan.FromSeconds(30);

    // 8. api: notes through the REST API of the real server (child process), delivery running, against the bare app.
    /// <summary>
    /// Both sides start and warm up, then take turns: <see cref="ApiRounds"/> rounds, each a slice of the server and a
    /// slice of the bare app (the order alternating: S B, B S, S B, B S), <paramref name="duration"/> of posting in all
    /// for each side. Each rate is its notes over its time. After each slice of the server, the row waits until every
    /// note it accepted has been delivered, and that wait counts as the server's time: its deliveries are its work, and
    /// they do not run in the bare app's slices.
    /// </summary>
    /// <remarks>
    /// Measured one after the other (the server for 5 s, then the bare app), the ratio of six runs of one build ranged
    /// from 0.15 to 0.38, and the two sides moved in opposite directions: when the server ran fast, the bare app ran
    /// slow. That is the machine's speed drifting between the halves of the row (see <see cref="Counterbalance"/>).
    /// </remarks>
    public async Task<(ApiRun Api, ApiRun Bare)> ApiAsync(string dataPath, string bareDataPath, TimeSpan duration)
    {
        var staffKey = "tlk_bench_" + Guid.NewGuid().ToString("N");
        await using var child = await ChildServer.StartAsync(new Storage(dataPath, null), "all", staffKey);
        await using var bareApp = await BareApiProcess.StartAsync(bareDataPath);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(child.BaseUrl + "/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", staffKey);
        using var bareHttp = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(bareApp.BaseUrl + "/") };
        var workOrderId = await ApiSeed.WorkOrderWithWebhookAsync(http, "Bench API", receiver.Ok(0));
        var server = await NoteLoop.CreateAsync(http, $"workorders/{workOrderId}/notes", concurrency);
        var bare = await NoteLoop.CreateAsync(bareHttp, "workorders/123456/notes", concurrency);

        // Receipts of earlier rows would satisfy the warm-up's wait at once (and its late deliveries count in the measured part).
        await receiver.ResetAsync();
        var metrics = new Uri(child.BaseUrl + "/metrics");
        async Task<double> JitSecondsAsync() => await JitSeconds.ReadAsync(http, metrics);
        var warmUp = await WarmUpAsync(server, JitSecondsAsync);
        // Every warm-up note delivered before the measured part starts.
        await receiver.WaitForAsync(warmUp.Notes, Patience);
        await receiver.ResetAsync();
        // The bare app has no metrics to read: it warms up for as long as the server's warm-up ran.
        await WarmUpAsync(bare, null, TimeSpan.FromSeconds(warmUp.Seconds));

        var jitAtStart = await JitSecondsAsync();
        var slice = duration / ApiRounds;
        var (s, b) = (default(NoteLoop.Run), default(NoteLoop.Run));
        (long Count, long LastTimestamp, long Duplicates, bool Complete) received = default;
        // One bound for every wait of the row: once a wait ends incomplete, later slices do not wait (the row says so).
        var deliveryPatience = TimeSpan.FromSeconds(60);
        var measuring = Stopwatch.GetTimestamp();
        var waiting = true;
        for (var round = 0; round < ApiRounds; round++)
        {
            foreach (var serverTurn in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                if (!serverTurn)
                {
                    b += await bare.RunAsync(slice);
                    continue;
                }

                s += await server.RunAsync(slice);
                if (!waiting) continue;
                // The wait for the slice's deliveries counts as the server's time: they are its work.
                var waited = Stopwatch.GetTimestamp();
                received = await receiver.WaitForAsync(s.Accepted, TimeSpan.FromMilliseconds(Math.Max(1, (deliveryPatience - Stopwatch.GetElapsedTime(measuring)).TotalMilliseconds)));
                s += new NoteLoop.Run(0, 0, Seconds(Stopwatch.GetTimestamp() - waited));
                waiting = received.Complete;
            }
        }

        var measuredJit = await JitSecondsAsync() - jitAtStart;
        await receiver.ResetAsync();
        var api = new ApiRun(s.Accepted, s.Rejected, s.Seconds, received.Count, 0, received.Duplicates)
        {
            WarmUpSeconds = warmUp.Seconds, LastWarmUpJitMs = warmUp.LastRoundJitMs, MeasuredJitMs = measuredJit * 1000, AllDeliveredInTurn = received.Complete,
        };
        return (api, new ApiRun(b.Accepted, b.Rejected, b.Seconds, 0, 0, 0) { WarmUpSeconds = warmUp.Seconds });
    }

    private sealed record WarmUpRun(long Notes, double Seconds, double? LastRoundJitMs);

    /// <summary>
    /// <see cref="WarmUpNotes"/> notes, then notes in one-second rounds until the server's JIT is quiet (at least
    /// <see cref="WarmUp"/>, at most <see cref="MaxApiWarmUp"/>; a fixed <paramref name="fixedWarmUp"/> when the server's
    /// compilation cannot be read).
    /// </summary>
    /// <remarks>
    /// A fixed 3 s warm-up measured the compiler: the profile (<c>--api-profile</c>, <c>JitInfo</c>) showed a fresh server
    /// still tiering up its request path after 1,000 requests (about half of a POST's CPU was JIT compilation), where the
    /// bare app, a few dozen methods, is compiled at once. Both sides are measured compiled.
    /// </remarks>
    private static async Task<WarmUpRun> WarmUpAsync(NoteLoop loop, Func<Task<double>>? jitSeconds, TimeSpan? fixedWarmUp = null)
    {
        await loop.WarmUpNotesAsync(WarmUpNotes);
        var warmStart = Stopwatch.GetTimestamp();
        long warm = WarmUpNotes;
        if (jitSeconds is null)
        {
            warm += (await loop.RunAsync(fixedWarmUp ?? WarmUp)).Accepted;
            return new WarmUpRun(warm, Seconds(Stopwatch.GetTimestamp() - warmStart), null);
        }

        var jit = await jitSeconds();
        double lastJitMs;
        while (true)
        {
            warm += (await loop.RunAsync(TimeSpan.FromSeconds(1))).Accepted;
            var now = await jitSeconds();
            lastJitMs = (now - jit) * 1000;
            jit = now;
            var elapsed = Stopwatch.GetElapsedTime(warmStart);
            if ((elapsed >= WarmUp && lastJitMs < QuietJit.TotalMilliseconds) || elapsed >= MaxApiWarmUp) break;
        }

        return new WarmUpRun(warm, Seconds(Stopwatch.GetTimestamp() - warmStart), lastJitMs);
    }
}

/// <summary><c>concurrency</c> clients posting the same note to one route, each posting its next note when the last is answered.</summary>
internal sealed class NoteLoop(HttpClient http, string path, int concurrency, byte[] body)
{
    public readonly record struct Run(long Accepted, long Rejected, double Seconds)
    {
        public static Run operator +(Run a, Run b) => new(a.Accepted + b.Accepted, a.Rejected + b.Rejected, a.Seconds + b.Seconds);
    }

    public static async Task<NoteLoop> CreateAsync(HttpClient http, string path, int concurrency)
    {
        using var note = JsonContent.Create(new { content = Payloads.Event(0).Content });
        await note.LoadIntoBufferAsync();
        return new NoteLoop(http, path, concurrency, await note.ReadAsByteArrayAsync());
    }

    public async Task WarmUpNotesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!await PostAsync()) throw new InvalidOperationException($"POST {path} failed during the warm-up");
        }
    }

    public async Task<Run> RunAsync(TimeSpan length)
    {
        long accepted = 0, rejected = 0;
        var start = Stopwatch.GetTimestamp();
        var until = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                if (await PostAsync()) Interlocked.Increment(ref accepted);
                else Interlocked.Increment(ref rejected);
            }
        })));
        return new Run(accepted, rejected, Scenarios.Seconds(Stopwatch.GetTimestamp() - start));
    }

    private async Task<bool> PostAsync()
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content);
        return response.IsSuccessStatusCode;
    }
}


/// <summary>The server's cumulative JIT compilation time, from its Prometheus <c>/metrics</c> (staff key; runtime instrumentation).</summary>
internal static partial class JitSeconds
{
    public static async Task<double> ReadAsync(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        var match = Line().Match(text);
        if (!match.Success) throw new InvalidOperationException("The server's /metrics has no dotnet_jit_compilation_time_seconds (runtime instrumentation).");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^dotnet_jit_compilation_time_seconds(?:_total)?(?:\{[^}]*\})? ([0-9.eE+-]+)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex Line();
}
