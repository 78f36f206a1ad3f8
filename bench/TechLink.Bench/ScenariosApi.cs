using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Webhooks;

namespace TechLink.Bench;

/// <summary>The API path (issue 18, row 3): notes through the real server's REST API against a bare minimal-API app.</summary>
internal sealed partial class Scenarios
{
    // 8. api: notes through the REST API of the real server (child process), delivery running.
    public async Task<ApiRun> ApiAsync(string dataPath, TimeSpan duration)
    {
        var staffKey = "tlk_bench_" + Guid.NewGuid().ToString("N");
        await using var child = await ChildServer.StartAsync(new Storage(dataPath, null), "all", staffKey);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(child.BaseUrl + "/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", staffKey);
        var workOrderId = await ApiSeed.WorkOrderWithWebhookAsync(http, "Bench API", receiver.Ok(0));

        // Receipts of earlier rows would satisfy the warm-up's wait at once (and its late deliveries count in the measured part).
        await receiver.ResetAsync();
        var metrics = new Uri(child.BaseUrl + "/metrics");
        async Task<double> JitSecondsAsync() => await JitSeconds.ReadAsync(http, metrics);
        var (accepted, rejected, seconds, start, warmUp) = await NotesLoopAsync(http, $"workorders/{workOrderId}/notes", duration, JitSecondsAsync, async warm =>
        {
            // Every warm-up note delivered before the measured part starts.
            await receiver.WaitForAsync(warm, Patience);
            await receiver.ResetAsync();
        });
        var measuredJit = await JitSecondsAsync() - warmUp.JitSecondsAtEnd;
        var s = await receiver.WaitForAsync(accepted, TimeSpan.FromSeconds(60));
        await receiver.ResetAsync();
        return new ApiRun(accepted, rejected, seconds, s.Count, Seconds(s.LastTimestamp - start), s.Duplicates)
        {
            WarmUpSeconds = warmUp.Seconds, LastWarmUpJitMs = warmUp.LastRoundJitMs, MeasuredJitMs = measuredJit * 1000,
        };
    }

    /// <summary>The baseline: the same client loop against <see cref="BareApi"/> (its own process, one EF Core insert into SQLite).</summary>
    /// <remarks>It has no metrics to read: it warms up for as long as the server's warm-up ran (<paramref name="warmUp"/>).</remarks>
    public async Task<ApiRun> BareApiAsync(string dataPath, TimeSpan duration, TimeSpan warmUp)
    {
        await using var bare = await BareApiProcess.StartAsync(dataPath);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(bare.BaseUrl + "/") };
        var (accepted, rejected, seconds, _, _) = await NotesLoopAsync(http, "workorders/123456/notes", duration, null, _ => Task.CompletedTask, warmUp);
        return new ApiRun(accepted, rejected, seconds, 0, 0, 0) { WarmUpSeconds = warmUp.TotalSeconds };
    }

    private const int WarmUpNotes = 100;

    /// <summary>The warm-up stops once the server compiled less than this in its last second (2% of one core).</summary>
    private static readonly TimeSpan QuietJit = TimeSpan.FromMilliseconds(20);

    /// <summary>The warm-up's bound when the JIT does not quieten (the row then says how much it still compiled).</summary>
    private static readonly TimeSpan MaxApiWarmUp = TimeSpan.FromSeconds(30);

    private sealed record WarmUpRun(double Seconds, double? LastRoundJitMs, double JitSecondsAtEnd);

    /// <summary>
    /// <see cref="WarmUpNotes"/> notes, then notes in one-second rounds until the server's JIT is quiet (at least
    /// <see cref="WarmUp"/>, at most <see cref="MaxApiWarmUp"/>; a fixed <paramref name="fixedWarmUp"/> when the server's
    /// compilation cannot be read), then <paramref name="duration"/> of notes from <c>concurrency</c> clients, each
    /// posting its next note when the last is answered.
    /// </summary>
    /// <remarks>
    /// A fixed 3 s warm-up measured the compiler: the profile (<c>--api-profile</c>, <c>JitInfo</c>) showed a fresh server
    /// still tiering up its request path after 1,000 requests (about half of a POST's CPU was JIT compilation), where the
    /// bare app, a few dozen methods, is compiled at once. Both sides are now measured compiled.
    /// </remarks>
    private async Task<(long Accepted, long Rejected, double Seconds, long Start, WarmUpRun WarmUp)> NotesLoopAsync(
        HttpClient http, string path, TimeSpan duration, Func<Task<double>>? jitSeconds, Func<long, Task> afterWarmUp, TimeSpan? fixedWarmUp = null)
    {
        var note = JsonContent.Create(new { content = Payloads.Event(0).Content });
        await note.LoadIntoBufferAsync();
        var body = await note.ReadAsByteArrayAsync();
        async Task<bool> PostNoteAsync()
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(path, content);
            return response.IsSuccessStatusCode;
        }

        async Task<(long, long, double, long)> RunAsync(TimeSpan length)
        {
            long accepted = 0, rejected = 0;
            var start = Stopwatch.GetTimestamp();
            var until = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    if (await PostNoteAsync()) Interlocked.Increment(ref accepted);
                    else Interlocked.Increment(ref rejected);
                }
            })));
            return (accepted, rejected, Seconds(Stopwatch.GetTimestamp() - start), start);
        }

        for (var i = 0; i < WarmUpNotes; i++)
        {
            if (!await PostNoteAsync()) throw new InvalidOperationException($"POST {path} failed during the warm-up");
        }

        var warmStart = Stopwatch.GetTimestamp();
        long warm = 0;
        double? lastJitMs = null;
        var jit = jitSeconds is null ? 0 : await jitSeconds();
        if (jitSeconds is null)
        {
            (warm, _, _, _) = await RunAsync(fixedWarmUp ?? WarmUp);
        }
        else
        {
            while (true)
            {
                var (round, _, _, _) = await RunAsync(TimeSpan.FromSeconds(1));
                warm += round;
                var now = await jitSeconds();
                lastJitMs = (now - jit) * 1000;
                jit = now;
                var elapsed = Stopwatch.GetElapsedTime(warmStart);
                if ((elapsed >= WarmUp && lastJitMs < QuietJit.TotalMilliseconds) || elapsed >= MaxApiWarmUp) break;
            }
        }

        var warmSeconds = Seconds(Stopwatch.GetTimestamp() - warmStart);
        await afterWarmUp(WarmUpNotes + warm);
        if (jitSeconds is not null) jit = await jitSeconds();
        var (accepted, rejected, seconds, start) = await RunAsync(duration);
        return (accepted, rejected, seconds, start, new WarmUpRun(warmSeconds, lastJitMs, jit));
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
