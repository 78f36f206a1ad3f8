using System.Diagnostics;
using System.Globalization;

namespace TechLink.Bench;

/// <summary>The orchestrator's handle on the receiver process: its base URL, counts and receipt times.</summary>
internal sealed class ReceiverProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _control = new() { Timeout = TimeSpan.FromSeconds(30) };

    private ReceiverProcess(Process process, int port)
    {
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public int ProcessId => _process.Id;

    public string Ok(long ep) => $"{BaseUrl}/ok/{ep}";

    public string Slow(long ep) => $"{BaseUrl}/slow/{ep}";

    public string Hang(long ep) => $"{BaseUrl}/hang/{ep}";

    public static async Task<ReceiverProcess> StartAsync()
    {
        var psi = SelfLaunch.StartInfo("receiver");
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("receiver did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("receiver exited before listening");
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                return new ReceiverProcess(process, int.Parse(line.AsSpan(10), CultureInfo.InvariantCulture));
            }
        }
    }

    public async Task ResetAsync() => (await _control.PostAsync($"{BaseUrl}/reset", null)).EnsureSuccessStatusCode();

    public async Task<(long Count, long LastTimestamp, long Duplicates, long FirstTimestamp)> StatsAsync()
    {
        var parts = (await _control.GetStringAsync($"{BaseUrl}/stats")).Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    /// <summary>Receipt timestamps by (endpoint, seq).</summary>
    public async Task<Dictionary<(long Ep, long Seq), long>> ReceiptsAsync()
    {
        var result = new Dictionary<(long, long), long>();
        foreach (var line in (await _control.GetStringAsync($"{BaseUrl}/receipts")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = line.Split(' ');
            result[(long.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture))] = long.Parse(p[2], CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>Waits (polling, bounded) until at least <paramref name="count"/> distinct receipts; answers the last stats seen.</summary>
    public async Task<(long Count, long LastTimestamp, long Duplicates, bool Complete)> WaitForAsync(long count, TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var stats = await StatsAsync();
            if (stats.Count >= count) return (stats.Count, stats.LastTimestamp, stats.Duplicates, true);
            if (Stopwatch.GetTimestamp() > deadline) return (stats.Count, stats.LastTimestamp, stats.Duplicates, false);
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}

/// <summary>Starts this same bench binary again with other arguments.</summary>
internal static class SelfLaunch
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var self = Environment.ProcessPath!;
        ProcessStartInfo psi;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi = new ProcessStartInfo(self);
            psi.ArgumentList.Add(typeof(SelfLaunch).Assembly.Location);
        }
        else
        {
            psi = new ProcessStartInfo(self);
        }

        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.UseShellExecute = false;
        return psi;
    }
}
