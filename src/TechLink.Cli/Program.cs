using System.CommandLine;
using TechLink.Cli.Commands;
using TechLink.Webhooks;

namespace TechLink.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>The whole CLI, with its output captured by the caller (tests run it in-process this way).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var io = new CliIo(TextWriter.Synchronized(output), TextWriter.Synchronized(error));
        var root = BuildRoot(io);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 && !CommandHelp.IsHelp(parseResult.Action))
        {
            foreach (var parseError in parseResult.Errors) await io.Error.WriteLineAsync("error: " + parseError.Message);
            await io.Error.WriteLineAsync($"Run 'techlink {string.Join(' ', CommandPath(parseResult.CommandResult.Command, root))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { Output = io.Out, Error = io.Error };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    internal static RootCommand BuildRoot(CliIo io)
    {
        var root = new RootCommand("techlink: develop and operate against TechLink Services webhooks and API.").WithExamples(
            "techlink listen --port 5005 --secret whsec_... --token my-token",
            $"techlink trigger \"{TechLinkEventTypes.WorkOrderStatusChange}\" --url http://127.0.0.1:5005/hook --secret whsec_...",
            "techlink events tail --url https://sandbox.techlinksvc.net --api-key $KEY --follow",
            "techlink keys create --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007 --name erp");
        // One line per command group.
        root.Subcommands.Add(ListenCommand.Create(io));
        root.Subcommands.Add(TriggerCommand.Create(io));
        root.Subcommands.Add(EventsCommand.Create(io));
        root.Subcommands.Add(KeysCommand.Create(io));
        root.Subcommands.Add(WebhooksCommand.Create(io));
        root.Subcommands.Add(TechLink.Cli.Sandbox.SandboxCommand.Create(io));
        CommandHelp.Install(root);
        return root;
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (Symbol? s = command; s is Command c && c != root; s = c.Parents.FirstOrDefault()) names.Push(c.Name);
        return names;
    }
}

/// <summary>Where commands write; captured in tests.</summary>
internal sealed record CliIo(TextWriter Out, TextWriter Error);

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
