using System.CommandLine;
using Spectre.Console;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary><c>techlink webhooks</c>: operations on a webhook registration when its endpoint failed.</summary>
internal static class WebhooksCommand
{
    public static Command Create(CliIo io)
    {
        var webhooks = new Command("webhooks", "Operate a webhook registration (replay what its endpoint missed).").WithExamples(
            "techlink webhooks replay 42 --since 2026-11-28T00:00:00Z --url https://portal.techlinksvc.net --api-key $KEY");
        webhooks.Subcommands.Add(ReplayCommand(io));
        return webhooks;
    }

    private static Command ReplayCommand(CliIo io)
    {
        var (url, apiKey) = (ApiOptions.Url(), ApiOptions.ApiKey());
        var webhookId = new Argument<string>("webhook_id") { Description = "The registration to replay to." };
        var since = new Option<string>("--since") { Description = "ISO 8601 instant: replay what was created from then on.", Required = true, HelpName = "INSTANT" };
        var until = new Option<string>("--until") { Description = "ISO 8601 instant, exclusive (default: now).", HelpName = "INSTANT" };
        var all = new Option<bool>("--all") { Description = "Every event of the range that the registration's types match, not only its failed deliveries." };
        var poll = new Option<TimeSpan>("--poll") { Description = "How often to ask for progress.", DefaultValueFactory = _ => TimeSpan.FromSeconds(1), HelpName = "INTERVAL" };
        var command = new Command("replay", "Replay a registration's failed deliveries (POST /api/v1/webhooks/{webhook_id}/replay) and follow the progress until nothing is pending.")
        {
            webhookId, since, until, all, poll, url, apiKey,
        }.WithExamples(
            "techlink webhooks replay 42 --since 2026-11-28T00:00:00Z --url https://portal.techlinksvc.net --api-key $KEY",
            "techlink webhooks replay 42 --since 2026-11-28T00:00:00Z --until 2026-11-29T00:00:00Z --all");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var client = ApiOptions.CreateClient(parseResult, url, apiKey, io);
            if (client is null) return ExitCodes.Usage;
            return await ApiOptions.RunAsync(io, cancellationToken, async () =>
            {
                var request = new WebhookReplayRequest(parseResult.GetRequiredValue(since), parseResult.GetValue(until), parseResult.GetValue(all) ? false : null);
                var started = await client.StartReplayAsync(parseResult.GetRequiredValue(webhookId), request, cancellationToken);
                await io.Out.WriteLineAsync($"Replay {started.ReplayId}: {started.Queued} deliveries queued.");
                var interval = parseResult.GetValue(poll);
                var done = Interactive(io)
                    ? await ProgressBarAsync(client, started, interval, cancellationToken)
                    : await ProgressLinesAsync(io, client, started, interval, cancellationToken);
                await io.Out.WriteLineAsync($"Replay {done.ReplayId} done: {done.Succeeded} succeeded, {done.Failed} failed of {done.Queued}.");
                return done.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
            });
        });
        return command;
    }

    private static bool Interactive(CliIo io) => ReferenceEquals(io.Out, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>A progress bar on a terminal.</summary>
    private static async Task<WebhookReplayProgress> ProgressBarAsync(TechLinkApiClient client, WebhookReplayStarted started, TimeSpan interval, CancellationToken cancellationToken)
    {
        WebhookReplayProgress? last = null;
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask($"replay {started.ReplayId}", maxValue: Math.Max(1, started.Queued));
            while (true)
            {
                last = await client.GetReplayAsync(started.ReplayId, cancellationToken);
                task.Value = last.Succeeded + last.Failed;
                if (last.Pending == 0) break;
                await Task.Delay(interval, cancellationToken);
            }

            task.Value = task.MaxValue;
        });
        return last!;
    }

    /// <summary>Where output is captured or redirected: one line each time the counts move.</summary>
    private static async Task<WebhookReplayProgress> ProgressLinesAsync(CliIo io, TechLinkApiClient client, WebhookReplayStarted started, TimeSpan interval, CancellationToken cancellationToken)
    {
        string? shown = null;
        while (true)
        {
            var progress = await client.GetReplayAsync(started.ReplayId, cancellationToken);
            var line = $"{progress.Succeeded + progress.Failed}/{progress.Queued} sent ({progress.Succeeded} succeeded, {progress.Failed} failed, {progress.Pending} pending)";
            if (line != shown) await io.Out.WriteLineAsync(line);
            shown = line;
            if (progress.Pending == 0) return progress;
            await Task.Delay(interval, cancellationToken);
        }
    }
}
