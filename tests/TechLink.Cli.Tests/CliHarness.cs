using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace TechLink.Cli.Tests;

internal sealed record CliRun(int ExitCode, string Out, string Error);

internal static class Cli
{
    /// <summary>Runs the CLI in-process with captured output.</summary>
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(args, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>A writer that keeps complete lines and signals each one, so tests wait for output instead of sleeping.</summary>
internal sealed class LineWriter : TextWriter
{
    private readonly StringBuilder _partial = new();
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines => [.. _lines];

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n')
            {
                _lines.Enqueue(_partial.ToString().TrimEnd('\r'));
                _partial.Clear();
                _arrived.Release();
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public async Task<IReadOnlyList<string>> WaitForAsync(Func<string, bool> where, int count = 1, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var matching = _lines.Where(where).ToList();
            if (matching.Count >= count) return matching;
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} matching lines, got {matching.Count}:\n{string.Join('\n', _lines)}");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _arrived.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary><c>techlink listen</c> running in-process on a free port until disposed.</summary>
internal sealed partial class RunningListener : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task<int> _run = null!;

    public LineWriter Output { get; } = new();
    public StringWriter Error { get; } = new();
    public Uri Url { get; private set; } = null!;

    public static async Task<RunningListener> StartAsync(params string[] options)
    {
        var listener = new RunningListener();
        listener._run = Task.Run(() => Program.RunAsync(["listen", "--port", "0", .. options], listener.Output, listener.Error, listener._stop.Token));
        var waiting = listener.Output.WaitForAsync(l => l.StartsWith("Listening on ", StringComparison.Ordinal));
        var first = await Task.WhenAny(waiting, listener._run);
        if (first == listener._run) throw new InvalidOperationException($"listen exited {await listener._run}: {listener.Error}");
        var line = (await waiting)[0];
        listener.Url = new Uri(AddressPattern().Match(line).Value + "hook");
        return listener;
    }

    /// <summary>Waits for the line of the request with this webhook-id.</summary>
    public async Task<string> LineForAsync(string webhookId) =>
        (await Output.WaitForAsync(l => l.Contains("id " + webhookId + " ", StringComparison.Ordinal)))[0];

    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _run;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
        Output.Dispose();
        await Error.DisposeAsync();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex AddressPattern();
}
