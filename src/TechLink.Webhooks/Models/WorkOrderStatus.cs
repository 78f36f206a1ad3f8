namespace TechLink.Webhooks;

/// <summary>The work order status codes of the TechLink webhook specification. The numeric value is the spec's code.</summary>
public enum WorkOrderStatus
{
    /// <summary>10 Created: new order, needs additional information to be opened.</summary>
    Created = 10,
    /// <summary>20 Open: contains all required information, ready for dispatch.</summary>
    Open = 20,
    /// <summary>22 Dispatched: installers have been offered the work order.</summary>
    Dispatched = 22,
    /// <summary>26 Tech Available: at least one installer is available.</summary>
    TechAvailable = 26,
    /// <summary>28 Ready to Assign: installer pool deadline has passed and at least one installer is available.</summary>
    ReadyToAssign = 28,
    /// <summary>30 Refused.</summary>
    Refused = 30,
    /// <summary>40 Assigned: an installer has been notified about the work order.</summary>
    Assigned = 40,
    /// <summary>50 Accepted: an installer has been assigned but no install date has been scheduled.</summary>
    Accepted = 50,
    /// <summary>55 Pending: pending more details.</summary>
    Pending = 55,
    /// <summary>60 Scheduled: the site has been contacted and the work is scheduled.</summary>
    Scheduled = 60,
    /// <summary>70 Tech On Site.</summary>
    TechOnSite = 70,
    /// <summary>72 Tech Off Site.</summary>
    TechOffSite = 72,
    /// <summary>75 Incomplete: specify missing information.</summary>
    Incomplete = 75,
    /// <summary>76 Off Site / Complete.</summary>
    OffSiteComplete = 76,
    /// <summary>77 Off Site / Parts Needed.</summary>
    OffSitePartsNeeded = 77,
    /// <summary>78 Off Site / Return Trip Required.</summary>
    OffSiteReturnTripRequired = 78,
    /// <summary>80 In-Review: the work has been performed and the installer has submitted all required information.</summary>
    InReview = 80,
    /// <summary>90 Approved: reviewed and approved for billing.</summary>
    Approved = 90,
    /// <summary>92 Send Quote: installer work is complete, send a quote to the client.</summary>
    SendQuote = 92,
    /// <summary>95 Quote Sent: quote request sent to client.</summary>
    QuoteSent = 95,
    /// <summary>100 Closed: the work order has been exported for billing.</summary>
    Closed = 100,
    /// <summary>105 Cancelled: the work order has been cancelled.</summary>
    Cancelled = 105,
}

/// <summary>One row of the specification's status table.</summary>
/// <param name="Status">The status.</param>
/// <param name="Code">The code as the wire carries it, e.g. <c>"60"</c>.</param>
/// <param name="Name">The name, e.g. <c>"Scheduled"</c>.</param>
/// <param name="Description">The specification's description.</param>
public sealed record WorkOrderStatusInfo(WorkOrderStatus Status, string Code, string Name, string Description);

/// <summary>Lookups over the specification's 22 work order status codes.</summary>
public static class WorkOrderStatuses
{
    /// <summary>All 22 statuses, in code order.</summary>
    public static IReadOnlyList<WorkOrderStatusInfo> All { get; } =
    [
        Row(WorkOrderStatus.Created, "Created", "New order, needs additional information to be Opened."),
        Row(WorkOrderStatus.Open, "Open", "New order that contains all required information. Ready for Dispatch."),
        Row(WorkOrderStatus.Dispatched, "Dispatched", "Installers have been offered the Work Order"),
        Row(WorkOrderStatus.TechAvailable, "Tech Available", "At least one installer is available for the Work Order"),
        Row(WorkOrderStatus.ReadyToAssign, "Ready to Assign", "Installer pool deadline has passed and at least one installer is available"),
        Row(WorkOrderStatus.Refused, "Refused", "Refused."),
        Row(WorkOrderStatus.Assigned, "Assigned", "An installer has been notified about the Work Order."),
        Row(WorkOrderStatus.Accepted, "Accepted", "An installer has been assigned to the Work Order but no install date has been scheduled."),
        Row(WorkOrderStatus.Pending, "Pending", "Pending more details"),
        Row(WorkOrderStatus.Scheduled, "Scheduled", "The Site has been contacted and the work is scheduled."),
        Row(WorkOrderStatus.TechOnSite, "Tech On Site", "Technician is On Site."),
        Row(WorkOrderStatus.TechOffSite, "Tech Off Site", "Technician Off Site."),
        Row(WorkOrderStatus.Incomplete, "Incomplete", "Specify missing information."),
        Row(WorkOrderStatus.OffSiteComplete, "Off Site / Complete", "Technician Off Site / Complete."),
        Row(WorkOrderStatus.OffSitePartsNeeded, "Off Site / Parts Needed", "Technician Off Site / Parts Needed."),
        Row(WorkOrderStatus.OffSiteReturnTripRequired, "Off Site / Return Trip Required", "Technician Off Site / Return Trip Required."),
        Row(WorkOrderStatus.InReview, "In-Review", "The work has been performed and the Installer has submitted all required information."),
        Row(WorkOrderStatus.Approved, "Approved", "The work has been reviewed and approved for Billing"),
        Row(WorkOrderStatus.SendQuote, "Send Quote", "Installer work is complete, send a quote to the client"),
        Row(WorkOrderStatus.QuoteSent, "Quote Sent", "Quote request sent to client"),
        Row(WorkOrderStatus.Closed, "Closed", "The Work Order has been exported for Billing"),
        Row(WorkOrderStatus.Cancelled, "Cancelled", "The Work Order has been cancelled."),
    ];

    private static readonly Dictionary<string, WorkOrderStatusInfo> ByCode = All.ToDictionary(s => s.Code, StringComparer.Ordinal);

    /// <summary>The status for a wire code such as <c>"60"</c>; <see langword="null"/> for a code the specification does not know.</summary>
    public static WorkOrderStatus? FromCode(string? code) =>
        code is not null && ByCode.TryGetValue(code.Trim(), out var info) ? info.Status : null;

    /// <summary>The table row for a status.</summary>
    public static WorkOrderStatusInfo Info(WorkOrderStatus status) =>
        ByCode.TryGetValue(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), out var info)
            ? info
            : throw new ArgumentOutOfRangeException(nameof(status), status, "Not a status of the specification.");

    /// <summary>The wire code of a status, e.g. <c>"60"</c>.</summary>
    public static string ToCode(this WorkOrderStatus status) => Info(status).Code;

    /// <summary>The specification's name of a status, e.g. <c>"Scheduled"</c>.</summary>
    public static string ToDisplayName(this WorkOrderStatus status) => Info(status).Name;

    private static WorkOrderStatusInfo Row(WorkOrderStatus status, string name, string description) =>
        new(status, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), name, description);
}
