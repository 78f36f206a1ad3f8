using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TechLink.Data;
using TechLink.Data.Postgres;
using TechLink.Data.Sandbox;
using TechLink.Data.Sqlite;

namespace TechLink.Cli.Sandbox;

/// <summary><c>techlink sandbox refresh</c>: copies production's data into a sandbox database (see <see cref="SandboxRefresher"/>).</summary>
internal static class SandboxCommand
{
    /// <summary>Tests replace the refresher (to inject a failure half way); null means the real one.</summary>
    internal static Func<SandboxRefresher>? RefresherFactory { get; set; }

    /// <summary>The databases the tool reads and writes; <c>--from-provider</c>/<c>--to-provider</c> choose one each.</summary>
    private static readonly DataProvider[] Providers = [SqliteDataProvider.Instance, PostgresDataProvider.Instance];

    public static Command Create(CliIo io)
    {
        var from = new Option<string>("--from") { Description = "Production's connection string (SQLite: a file path or \"Data Source=...\").", Required = true, HelpName = "CONNECTION" };
        var to = new Option<string>("--to") { Description = "The sandbox's connection string; an empty database is migrated first.", Required = true, HelpName = "CONNECTION" };
        var fromProvider = new Option<DatabaseProvider>("--from-provider") { Description = "Provider of --from.", DefaultValueFactory = _ => DatabaseProvider.Sqlite };
        var toProvider = new Option<DatabaseProvider>("--to-provider") { Description = "Provider of --to.", DefaultValueFactory = _ => DatabaseProvider.Sqlite };
        var fromFiles = new Option<string>("--from-files") { Description = "Production's files folder (its DataPath/files).", HelpName = "DIR" };
        var toFiles = new Option<string>("--to-files") { Description = "The sandbox's files folder (its DataPath/files); replaced after the copy commits.", HelpName = "DIR" };
        var forceSource = new Option<bool>("--force-source") { Description = "Copy from a database that is not recorded as Production." };

        var refresh = new Command("refresh", """
            Copy production's companies, user accounts (with their passwords), sites and work orders with everything
            attached (status changes, notes, files, questions, tasks) into a sandbox database, keeping their ids.
            The sandbox keeps its own API keys, webhook registrations, events and deliveries; the copy fires no webhook.
            Production is read from one consistent snapshot while it keeps running. The sandbox is written in one
            transaction (a failure leaves it as it was) and records the snapshot time as data_as_of. Safe to re-run.
            Refuses to write into a Production database.
            """)
        {
            from, to, fromProvider, toProvider, fromFiles, toFiles, forceSource,
        }.WithExamples(
            "techlink sandbox refresh --from /srv/production/data/techlink.db --to /srv/sandbox/data/techlink.db --from-files /srv/production/data/files --to-files /srv/sandbox/data/files",
            "techlink sandbox refresh --from-provider Postgres --from \"Host=db;Database=techlink;Username=reader\" --to-provider Postgres --to \"Host=db;Database=techlink_sandbox;Username=sandbox\"");

        refresh.SetAction((parseResult, cancellationToken) => RunAsync(
            io,
            new SandboxRefreshRequest(
                Location(parseResult.GetValue(fromProvider), parseResult.GetRequiredValue(from)),
                Location(parseResult.GetValue(toProvider), parseResult.GetRequiredValue(to)),
                parseResult.GetValue(fromFiles),
                parseResult.GetValue(toFiles),
                parseResult.GetValue(forceSource)),
            cancellationToken));

        return new Command("sandbox", "Operate the sandbox environment.") { refresh };
    }

    /// <summary>A bare SQLite path is accepted for convenience (<see cref="DataProvider.NormalizeConnectionString"/>).</summary>
    private static DatabaseLocation Location(DatabaseProvider kind, string connection)
    {
        var provider = DataProvider.Choose(kind, Providers);
        return new DatabaseLocation(provider, provider.NormalizeConnectionString(connection));
    }

    private static async Task<int> RunAsync(CliIo io, SandboxRefreshRequest request, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(io.Out),
            Interactive = InteractionSupport.No,
        });
        var refresher = RefresherFactory?.Invoke() ?? new SandboxRefresher(TimeProvider.System);
        var progress = new SynchronousProgress(p => console.MarkupLine(p.Rows is { } rows
            ? $"  {Markup.Escape(p.Step),-28} {rows.ToString("N0", CultureInfo.InvariantCulture),10}"
            : $"- {Markup.Escape(p.Step)}"));
        try
        {
            var result = await refresher.RefreshAsync(request, progress, cancellationToken);
            foreach (var missing in result.MissingFiles)
            {
                await io.Error.WriteLineAsync($"warning: file {missing} is in the snapshot but not in production's files folder; not copied.");
            }

            await io.Out.WriteLineAsync($"Sandbox refreshed: data as of {Formats.Instant(result.DataAsOf)}, {result.FilesCopied} file(s) copied.");
            return ExitCodes.Ok;
        }
        catch (SandboxRefreshRefusedException ex)
        {
            await io.Error.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await io.Error.WriteLineAsync("error: the refresh failed: " + ex.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary><see cref="Progress{T}"/> posts to the thread pool and would print out of order.</summary>
    private sealed class SynchronousProgress(Action<RefreshProgress> report) : IProgress<RefreshProgress>
    {
        public void Report(RefreshProgress value) => report(value);
    }
}
