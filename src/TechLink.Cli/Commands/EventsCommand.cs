using System.CommandLine;
using System.Globalization;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary><c>techlink events tail</c>: reads (and follows) a company's event feed through the API.</summary>
internal static class EventsCommand
{
    public static Command Create(CliIo io)
    {
        var url = ApiOptions.Url();
        var apiKey = ApiOptions.ApiKey();
        var since = new Option<string>("--since") { Description = "Start after this event id (default: the beginning of the feed).", HelpName = "EVENT_ID" };
        var type = new Option<string>("--type") { Description = $"Only this event type, e.g. \"{TechLinkEventTypes.WorkOrderStatusChange}\"." };
        var workOrder = new Option<string>("--workorder-id") { Description = "Only events of this work order.", HelpName = "ID" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep polling for new events until Ctrl+C." };
        var interval = new Option<int>("--interval") { Description = "Seconds between polls with --follow.", DefaultValueFactory = _ => 5 };

        var tail = new Command("tail",
            "Print the company's event feed (GET /api/v1/events), oldest first, one line per event; with --follow keep " +
            "polling for new ones. Use it to catch up after failed deliveries.")
        {
            url, apiKey, since, type, workOrder, follow, interval,
        };
        tail.WithExamples(
            "techlink events tail --url https://sandbox.techlinksvc.net --api-key $TECHLINK_API_KEY",
            "techlink events tail --url https://sandbox.techlinksvc.net --api-key $TECHLINK_API_KEY --since 1042 --follow",
            $"TECHLINK_URL=https://sandbox.techlinksvc.net TECHLINK_API_KEY=... techlink events tail --type \"{TechLinkEventTypes.WorkOrderStatusChange}\" --workorder-id 123456");

        tail.SetAction(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(interval) < 1)
            {
                await io.Error.WriteLineAsync("error: --interval must be at least 1 second.");
                return ExitCodes.Usage;
            }

            var client = ApiOptions.CreateClient(parseResult, url, apiKey, io);
            if (client is null) return ExitCodes.Usage;
            return await ApiOptions.RunAsync(io, cancellationToken, () => TailAsync(
                io, client, parseResult.GetValue(since), parseResult.GetValue(type), parseResult.GetValue(workOrder),
                parseResult.GetValue(follow), TimeSpan.FromSeconds(parseResult.GetValue(interval)), cancellationToken));
        });

        return new Command("events", "Read the company's event feed.") { tail }
            .WithExamples("techlink events tail --url https://sandbox.techlinksvc.net --api-key $TECHLINK_API_KEY --follow");
    }

    private static async Task<int> TailAsync(CliIo io, TechLinkApiClient client, string? since, string? type, string? workOrderId, bool follow, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            await foreach (var item in client.ReadEventsAsync(new EventFeedQuery(since, type, workOrderId), cancellationToken))
            {
                await io.Out.WriteLineAsync(Format(item));
                since = item.EventId;
            }

            if (!follow) return ExitCodes.Ok;
            await Task.Delay(interval, TimeProvider.System, cancellationToken);
        }
    }

    private static string Format(FeedEvent item)
    {
        var when = item.CreatedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
        var text = TechLinkEvent.TryParse(item.Payload.GetRawText(), out var parsed, out _)
            ? EventSummary.Describe(parsed)
            : item.Type + (item.WorkOrderId is null ? "" : "  wo " + item.WorkOrderId);
        return $"{item.EventId}  {when}  {text}";
    }
}
