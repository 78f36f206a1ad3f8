using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary>One readable line per event: its name, the work order and the fields that matter for its type (the record's own <see cref="TechLinkEvent.Describe"/>).</summary>
internal static class EventSummary
{
    public static string Describe(TechLinkEvent e)
    {
        var details = e.Describe();
        var workOrder = e is WorkOrderEvent w ? $"  wo {w.WorkOrderId}" : "";
        return $"{e.Event}{workOrder}{(details.Length > 0 ? "  " + details : "")}";
    }
}
