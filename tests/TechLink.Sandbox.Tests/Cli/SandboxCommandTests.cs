using Microsoft.EntityFrameworkCore;
using TechLink.Sandbox.Tests.Infrastructure;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sandbox;

namespace TechLink.Sandbox.Tests.Cli;

/// <summary><c>techlink sandbox refresh</c> through the CLI's own entry point, output captured.</summary>
public sealed class SandboxCommandTests : IAsyncLifetime
{
    private readonly TestDatabase _production = TestDatabase.Sqlite();
    private readonly TestDatabase _sandbox = TestDatabase.Sqlite();

    public Task InitializeAsync() => Seed.ProductionAsync(_production);

    public async Task DisposeAsync()
    {
        await _production.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    private async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await TechLink.Cli.Program.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string[] Args() =>
    [
        "sandbox", "refresh",
        "--from", _production.Location.ConnectionString, "--from-provider", "Sqlite",
        "--to", _sandbox.Location.ConnectionString, "--to-provider", "Sqlite",
        "--from-files", _production.FilesDir, "--to-files", _sandbox.FilesDir,
    ];

    [Fact]
    public async Task SandboxRefresh_UsedSandbox_CopiesAndReportsProgress()
    {
        await Seed.SandboxAsync(_sandbox);
        var own = await _sandbox.OwnTablesAsync();

        var (exit, output, error) = await RunAsync(Args());

        Assert.True(exit == 0, output + error);
        Assert.Contains("work_orders", output, StringComparison.Ordinal);
        Assert.Contains("Sandbox refreshed: data as of ", output, StringComparison.Ordinal);
        Assert.Contains("2 file(s) copied", output, StringComparison.Ordinal);
        Assert.Equal(await _production.CopiedTablesAsync(), await _sandbox.CopiedTablesAsync(await Seed.CompanyIdsAsync(_production)));
        Assert.Equal(own, await _sandbox.OwnTablesAsync());
        Assert.True(Formats.TryParseInstant(await _sandbox.SettingAsync(SandboxRefresher.DataAsOfKey), out _));
        await using var db = _sandbox.Open();
        Assert.Equal(2, Directory.GetFiles(_sandbox.FilesDir, "*", SearchOption.AllDirectories).Length);
        Assert.Equal(2, await db.Files.CountAsync());
    }

    [Fact]
    public async Task SandboxRefresh_ProductionTarget_ExitsOneAndWritesNothing()
    {
        await _sandbox.MigrateAsync(TechLinkEnvironment.Production);
        var before = await _sandbox.FingerprintAsync();

        var (exit, _, error) = await RunAsync(Args());

        Assert.Equal(1, exit);
        Assert.Contains("Refusing to write into a database that belongs to the Production environment", error, StringComparison.Ordinal);
        Assert.Equal(before, await _sandbox.FingerprintAsync());
    }

    [Fact]
    public async Task SandboxRefresh_OnlyOneFilesFolder_IsRefused()
    {
        var (exit, _, error) = await RunAsync("sandbox", "refresh", "--from", _production.Location.ConnectionString, "--to", _sandbox.Location.ConnectionString, "--from-files", _production.FilesDir);

        Assert.Equal(1, exit);
        Assert.Contains("--to-files", error, StringComparison.Ordinal);
    }
}
