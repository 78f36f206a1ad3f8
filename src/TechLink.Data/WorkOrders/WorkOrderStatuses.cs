namespace TechLink.Data.WorkOrders;

public sealed record WorkOrderStatus(int Code, string Name, string Description);

/// <summary>The spec's status table, word for word. <c>POST /status</c> may set any of them (the spec says statuses jump around); which action is allowed when is the server's <c>WorkOrderRules</c>.</summary>
public static class WorkOrderStatuses
{
    public const int Created = 10;
    public const int Assigned = 40;
    public const int Scheduled = 60;
    public const int TechOnSite = 70;
    public const int OffSiteComplete = 76;
    public const int OffSiteReturnTrip = 78;
    public const int Closed = 100;
    public const int Cancelled = 105;

    public static IReadOnlyList<WorkOrderStatus> All { get; } =
    [
        new(10, "Created", "New order, needs additional information to be Opened."),
        new(20, "Open", "New order that contains all required information. Ready for Dispatch."),
        new(22, "Dispatched", "Installers have been offered the Work Order"),
        new(26, "Tech Available", "At least one installer is available for the Work Order"),
        new(28, "Ready to Assign", "Installer pool deadline has passed and at least one installer is available"),
        new(30, "Refused", "Refused."),
        new(40, "Assigned", "An installer has been notified about the Work Order."),
        new(50, "Accepted", "An installer has been assigned to the Work Order but no install date has been scheduled."),
        new(55, "Pending", "Pending more details"),
        new(60, "Scheduled", "The Site has been contacted and the work is scheduled."),
        new(70, "Tech On Site", "Technician is On Site."),
        new(72, "Tech Off Site", "Technician Off Site."),
        new(75, "Incomplete", "Specify missing information."),
        new(76, "Off Site / Complete", "Technician Off Site / Complete."),
        new(77, "Off Site / Parts Needed", "Technician Off Site / Parts Needed."),
        new(78, "Off Site / Return Trip Required", "Technician Off Site / Return Trip Required."),
        new(80, "In-Review", "The work has been performed and the Installer has submitted all required information."),
        new(90, "Approved", "The work has been reviewed and approved for Billing"),
        new(92, "Send Quote", "Installer work is complete, send a quote to the client"),
        new(95, "Quote Sent", "Quote request sent to client"),
        new(100, "Closed", "The Work Order has been exported for Billing"),
        new(105, "Cancelled", "The Work Order has been cancelled."),
    ];

    private static readonly Dictionary<int, WorkOrderStatus> ByCode = All.ToDictionary(s => s.Code);

    public static bool TryGet(int code, out WorkOrderStatus status) => ByCode.TryGetValue(code, out status!);

    public static WorkOrderStatus Get(int code) => ByCode[code];
}
