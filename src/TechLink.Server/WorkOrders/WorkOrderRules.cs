using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>A life-cycle action of a work order: its API route (the last path segment) and its button label.</summary>
public sealed record WorkOrderAction(string Route, string Label)
{
    public static readonly WorkOrderAction Schedule = new("schedule", "Schedule");
    public static readonly WorkOrderAction Assign = new("assign", "Assign");
    public static readonly WorkOrderAction CheckIn = new("check-in", "Check in");
    public static readonly WorkOrderAction CheckOut = new("check-out", "Check out");
    public static readonly WorkOrderAction Close = new("close", "Close");
    public static readonly WorkOrderAction Cancel = new("cancel", "Cancel");

    public static IReadOnlyList<WorkOrderAction> All { get; } = [Schedule, Assign, CheckIn, CheckOut, Close, Cancel];

    public override string ToString() => Route;
}

/// <summary>
/// Which life-cycle action the spec's status table allows in which status, and where each one moves the status: the one
/// place the API's action routes and the portal's work order page ask. <c>POST /status</c> is the staff override and asks
/// nothing. The spec lets statuses "jump around", so the rules refuse only what makes no sense in the status at hand:
/// <list type="bullet">
/// <item>before the visit (10–55), scheduled (60) or after an unfinished visit (72, 75, 77, 78): schedule (to 60),
/// assign (to 40 while nobody was assigned yet, 10–30), check in (to 70), close and cancel;</item>
/// <item>technician on site (70): check out only (to 76 or 78), and assign (the planned technician of a next visit);</item>
/// <item>work done (76, 80, 90, 92, 95): close and cancel;</item>
/// <item>closed (100) or cancelled (105): nothing; staff reopen with <c>POST /status</c>.</item>
/// </list>
/// </summary>
public static class WorkOrderRules
{
    private static readonly HashSet<int> BeforeVisit = [10, 20, 22, 26, 28, 30, 40, 50, 55, WorkOrderStatuses.Scheduled];
    private static readonly HashSet<int> UnfinishedVisit = [72, 75, 77, WorkOrderStatuses.OffSiteReturnTrip];
    private static readonly HashSet<int> NotYetAssigned = [10, 20, 22, 26, 28, 30];

    public static IReadOnlyList<WorkOrderAction> Allowed(int status) => [.. WorkOrderAction.All.Where(a => Allows(status, a))];

    public static bool Allows(int status, WorkOrderAction action)
    {
        if (status is WorkOrderStatuses.Closed or WorkOrderStatuses.Cancelled) return false;
        var visitAhead = BeforeVisit.Contains(status) || UnfinishedVisit.Contains(status);
        var onSite = status == WorkOrderStatuses.TechOnSite;
        return action.Route switch
        {
            "schedule" or "check-in" => visitAhead,
            "assign" => visitAhead || onSite,
            "check-out" => onSite,
            _ => !onSite, // close, cancel: not while a technician is on site (check out first)
        };
    }

    /// <summary>The status an allowed action leaves the work order in (its status when the action does not move it).</summary>
    public static int StatusAfter(int status, WorkOrderAction action, string? disposition = null) => action.Route switch
    {
        "schedule" => WorkOrderStatuses.Scheduled,
        "assign" => NotYetAssigned.Contains(status) ? WorkOrderStatuses.Assigned : status,
        "check-in" => WorkOrderStatuses.TechOnSite,
        "check-out" => disposition == "return" ? WorkOrderStatuses.OffSiteReturnTrip : WorkOrderStatuses.OffSiteComplete,
        "close" => WorkOrderStatuses.Closed,
        "cancel" => WorkOrderStatuses.Cancelled,
        _ => status,
    };

    /// <summary>Null when the action is allowed; otherwise the 409 refusal naming the status and the actions it allows.</summary>
    public static Refusal? Refuse(int status, WorkOrderAction action)
    {
        if (Allows(status, action)) return null;
        var current = WorkOrderStatuses.Get(status);
        var allowed = Allowed(status);
        var detail = $"'{action.Label}' is not possible while the work order is {current.Code} {current.Name}. "
            + (allowed.Count == 0
                ? "No action is allowed in this status; staff can set any status with POST /status."
                : $"Allowed now: {string.Join(", ", allowed.Select(a => a.Route))}.");
        return Refusal.Conflict(detail, new Dictionary<string, object?>
        {
            ["status_code"] = current.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["allowed_actions"] = allowed.Select(a => a.Route).ToArray(),
        });
    }
}
