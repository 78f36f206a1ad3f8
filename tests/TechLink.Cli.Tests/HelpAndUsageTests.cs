using System.Diagnostics;

namespace TechLink.Cli.Tests;

public sealed class HelpAndUsageTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("listen --help")]
    [InlineData("trigger --help")]
    [InlineData("events --help")]
    [InlineData("events tail --help")]
    [InlineData("keys --help")]
    [InlineData("keys create --help")]
    [InlineData("keys list --help")]
    [InlineData("keys revoke --help")]
    public async Task Help_EveryCommand_Exit0WithExamples(string args)
    {
        var run = await Cli.RunAsync(args.Split(' '));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
        Assert.Contains("Examples:", run.Out, StringComparison.Ordinal);
        Assert.Contains("techlink ", run.Out[run.Out.IndexOf("Examples:", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("listen --port abc")]
    [InlineData("listen --port 1 --status 1000")]
    [InlineData("trigger --url http://127.0.0.1:9/")]
    [InlineData("trigger \"work order closed\"")]
    [InlineData("keys create --company 1 --url http://127.0.0.1:9 --api-key k")]
    [InlineData("keys revoke --company 1")]
    [InlineData("no-such-command")]
    public async Task UsageError_Exit2WithHint(string args)
    {
        var run = await Cli.RunAsync(SplitArgs(args));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error:", run.Error, StringComparison.Ordinal);
        Assert.Contains("--help", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiCommand_WithoutUrl_Exit2()
    {
        var run = await Cli.RunAsync("keys", "list", "--company", "1", "--api-key", "k");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--url", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_TechlinkDll_RunsWithExitCodes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "techlink.dll");
        Assert.True(File.Exists(dll), dll);

        var help = await RunProcessAsync(dll, "trigger", "--help");
        var unknown = await RunProcessAsync(dll, "trigger", "nope", "--url", "http://127.0.0.1:9/");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("webhook-signature", help.Out, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("work order status change", unknown.Error, StringComparison.Ordinal);
    }

    private static async Task<CliRun> RunProcessAsync(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }

    private static string[] SplitArgs(string args)
    {
        var parts = new List<string>();
        var quoted = args.Split('"');
        for (var i = 0; i < quoted.Length; i++)
        {
            if (i % 2 == 1) parts.Add(quoted[i]);
            else parts.AddRange(quoted[i].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return [.. parts];
    }
}
