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

    /// <summary>
    /// Every event type of the specification, in the specification's order: the one list the parser, the samples, the
    /// server's catalog, its OpenAPI document and the CLI are built from. A new event type is a constant above, its record
    /// (implementing <see cref="ITechLinkEventType{TSelf}"/>) and one line here.
    /// </summary>
    public static IReadOnlyList<TechLinkEventDefinition> Definitions { get; } =
    [
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.AccountCreated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.AccountUpdated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.SiteCreated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.SiteUpdated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderCreated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderUpdated>(),
        TechLinkEventDefinition.Of<WorkOrderStatusChanged>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderScheduled>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderAssigned>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderTechOnSite>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderTechOffSite>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderClosed>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderCancelled>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderNoteAdded>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderPhotoAdded>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderQuestionAnswered>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderCloseOutDocumentAdded>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderClientDocumentAdded>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderTaskAdded>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderTaskUpdated>(),
        TechLinkEventDefinition.Of<global::TechLink.Webhooks.WorkOrderTaskDeleted>(),
    ];

    /// <summary>All event names of the specification, in the specification's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Definitions.Select(d => d.Name)];

    /// <summary>The definition of an event name, or null when the name is not one of the specification's.</summary>
    public static TechLinkEventDefinition? Find(string eventType) => ByName.GetValueOrDefault(eventType);

    private static readonly Dictionary<string, TechLinkEventDefinition> ByName = Definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
}
