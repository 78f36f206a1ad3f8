namespace TechLink.Server.Webhooks;

public sealed record EventTypeInfo(string Type, string Description);

/// <summary>Every event type of the spec, with its words, and the two special registration types.</summary>
public static class EventCatalog
{
    public const string AllCurrent = "(all current webhooks)";
    public const string Any = "(any webhooks)";
    public const string Wildcard = "*";

    public const string AccountCreated = "account created";
    public const string AccountUpdated = "account updated";
    public const string SiteCreated = "site created";
    public const string SiteUpdated = "site updated";
    public const string WorkOrderCreated = "work order created";
    public const string WorkOrderUpdated = "work order updated";
    public const string WorkOrderStatusChange = "work order status change";
    public const string WorkOrderScheduled = "work order scheduled";
    public const string WorkOrderAssigned = "work order assigned";
    public const string WorkOrderTechOnSite = "work order tech on-site";
    public const string WorkOrderTechOffSite = "work order tech off-site";
    public const string WorkOrderClosed = "work order closed";
    public const string WorkOrderCancelled = "work order cancelled";
    public const string WorkOrderNoteAdded = "work order note added";
    public const string WorkOrderPhotoAdded = "work order photo added";
    public const string WorkOrderQuestionAnswered = "work order question answered";
    public const string WorkOrderCloseOutDocumentAdded = "work order close-out document added";
    public const string WorkOrderClientDocumentAdded = "work order client document added";
    public const string WorkOrderTaskAdded = "work order task added";
    public const string WorkOrderTaskUpdated = "work order task updated";
    public const string WorkOrderTaskDeleted = "work order task deleted";

    private static readonly List<EventTypeInfo> Types =
    [
        new(AccountCreated, "A user account has been created for you."),
        new(AccountUpdated, "One of your user accounts has been updated."),
        new(SiteCreated, "A job site has been created for you."),
        new(SiteUpdated, "One of your job sites has been updated with new information."),
        new(WorkOrderCreated, "A work order has been created for you."),
        new(WorkOrderUpdated, "One of your work orders has been updated."),
        new(WorkOrderStatusChange, "One of your work orders has had its status changed."),
        new(WorkOrderScheduled, "One of your work orders has been scheduled, i.e., has had an install date associated with it."),
        new(WorkOrderAssigned, "One of your work orders has been assigned to an installer (blank technician fields when unassigned)."),
        new(WorkOrderTechOnSite, "One of your work orders has had a technician arrive on-site."),
        new(WorkOrderTechOffSite, "One of your work orders has had the technician leave the job site."),
        new(WorkOrderClosed, "One of your work orders has been closed, and is considered to be complete."),
        new(WorkOrderCancelled, "One of your work orders has been cancelled."),
        new(WorkOrderNoteAdded, "A note has been added to one of your work orders."),
        new(WorkOrderPhotoAdded, "A photo has been added to one of your work orders."),
        new(WorkOrderQuestionAnswered, "A close-out question has been answered for one of your work orders."),
        new(WorkOrderCloseOutDocumentAdded, "A completed close-out document has been added to one of your work orders."),
        new(WorkOrderClientDocumentAdded, "A client document has been added to one of your work orders."),
        new(WorkOrderTaskAdded, "A task has been added to one of your work orders."),
        new(WorkOrderTaskUpdated, "One of your work order's tasks has been updated."),
        new(WorkOrderTaskDeleted, "A task has been deleted from one of your work orders."),
    ];

    /// <summary>The event types that exist now. Tests may add one to prove that (all current webhooks) froze its list.</summary>
    public static IReadOnlyList<EventTypeInfo> All
    {
        get
        {
            lock (Types)
            {
                return [.. Types];
            }
        }
    }

    public static bool IsEventType(string type) => All.Any(t => t.Type == type);

    public static bool IsRegistrationType(string type) => type is AllCurrent or Any || IsEventType(type);

    /// <summary>The frozen list a registration of this type receives.</summary>
    public static IReadOnlyList<string> EventTypesFor(string registrationType) => registrationType switch
    {
        AllCurrent => [.. All.Select(t => t.Type)],
        Any => [Wildcard],
        _ => [registrationType],
    };

    internal static IDisposable AddForTest(EventTypeInfo type)
    {
        lock (Types)
        {
            Types.Add(type);
        }

        return new Removal(type);
    }

    private sealed class Removal(EventTypeInfo type) : IDisposable
    {
        public void Dispose()
        {
            lock (Types)
            {
                Types.Remove(type);
            }
        }
    }
}
