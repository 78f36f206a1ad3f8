namespace TechLink.Webhooks;

/// <summary>The event names of the TechLink webhook specification, exactly as they appear in the <c>event</c> field.</summary>
public static class TechLinkEventTypes
{
    /// <summary>A user account has been created.</summary>
    public const string AccountCreated = "account created";
    /// <summary>A user account has been updated.</summary>
    public const string AccountUpdated = "account updated";
    /// <summary>A job site has been created.</summary>
    public const string SiteCreated = "site created";
    /// <summary>A job site has been updated.</summary>
    public const string SiteUpdated = "site updated";
    /// <summary>A work order has been created.</summary>
    public const string WorkOrderCreated = "work order created";
    /// <summary>A work order has been updated.</summary>
    public const string WorkOrderUpdated = "work order updated";
    /// <summary>A work order's status has changed.</summary>
    public const string WorkOrderStatusChange = "work order status change";
    /// <summary>A work order's install time has been set.</summary>
    public const string WorkOrderScheduled = "work order scheduled";
    /// <summary>A work order has been assigned (or unassigned) to an installer.</summary>
    public const string WorkOrderAssigned = "work order assigned";
    /// <summary>A technician arrived on site.</summary>
    public const string WorkOrderTechOnSite = "work order tech on-site";
    /// <summary>A technician left the site.</summary>
    public const string WorkOrderTechOffSite = "work order tech off-site";
    /// <summary>A work order has been closed.</summary>
    public const string WorkOrderClosed = "work order closed";
    /// <summary>A work order has been cancelled.</summary>
    public const string WorkOrderCancelled = "work order cancelled";
    /// <summary>A note has been added to a work order.</summary>
    public const string WorkOrderNoteAdded = "work order note added";
    /// <summary>A photo has been added to a work order.</summary>
    public const string WorkOrderPhotoAdded = "work order photo added";
    /// <summary>A close-out question has been answered.</summary>
    public const string WorkOrderQuestionAnswered = "work order question answered";
    /// <summary>A completed close-out document has been added.</summary>
    public const string WorkOrderCloseOutDocumentAdded = "work order close-out document added";
    /// <summary>A client document has been added.</summary>
    public const string WorkOrderClientDocumentAdded = "work order client document added";
    /// <summary>A task has been added to a work order.</summary>
    public const string WorkOrderTaskAdded = "work order task added";
    /// <summary>A work order task has been updated.</summary>
    public const string WorkOrderTaskUpdated = "work order task updated";
    /// <summary>A task has been deleted from a work order.</summary>
    public const string WorkOrderTaskDeleted = "work order task deleted";

    /// <summary>All 21 event names of the specification, in the specification's order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        AccountCreated, AccountUpdated, SiteCreated, SiteUpdated,
        WorkOrderCreated, WorkOrderUpdated, WorkOrderStatusChange, WorkOrderScheduled, WorkOrderAssigned,
        WorkOrderTechOnSite, WorkOrderTechOffSite, WorkOrderClosed, WorkOrderCancelled,
        WorkOrderNoteAdded, WorkOrderPhotoAdded, WorkOrderQuestionAnswered,
        WorkOrderCloseOutDocumentAdded, WorkOrderClientDocumentAdded,
        WorkOrderTaskAdded, WorkOrderTaskUpdated, WorkOrderTaskDeleted,
    ];
}
