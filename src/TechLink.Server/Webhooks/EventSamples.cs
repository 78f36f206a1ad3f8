using TechLink.Server.Accounts;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Webhooks;

/// <summary>
/// A realistic payload of every event type, built from the same records the real events use, for the test
/// button and the API reference. Ids are made up (they start with 9) so nobody mistakes them for real data.
/// </summary>
public static class EventSamples
{
    private const string WorkOrderId = "900001";
    private const string Created = "2026-11-28T16:00:00Z";

    private static readonly UserResponse User = new("900101", "900201", "jdoe", "Jane", "Doe", "jane.doe@example.com", "555-0101", true, Created, Created);
    private static readonly SiteResponse Site = new("900301", "900201", "Store #101", "101", "1 Main Street", "", "Seattle", "WA", "98101", "US", "555-0100", "Store Manager", "America/Los_Angeles", Created, Created);
    private static readonly WorkOrderResponse WorkOrder = new(WorkOrderId, "900201", "900301", "PO-4471", "Install POS terminals", "Install and test 4 terminals.", "normal",
        "60", "Scheduled", "2026-12-01 09:00:00", "John Smith", "123-4567-8900", "", "", null, null, null, Created, Created);
    private static readonly NoteResponse Note = new("900401", WorkOrderId, "<p>Tech confirmed arrival window <b>9–11am</b>.</p>", "Sam Dispatcher", Created);
    private static readonly PhotoResponse Photo = new("900501", WorkOrderId, "rack.jpg", "image/jpeg", 482113, "Rack after install", "https://sandbox.techlinksvc.net/files/sample-photo-token", "2026-11-28T17:00:00Z", Created);
    private static readonly QuestionResponse Question = new("900601", WorkOrderId, "Were all terminals tested?", "Yes, all four.", "John Smith", Created, Created);
    private static readonly DocumentResponse Document = new("900701", WorkOrderId, "signoff.pdf", "application/pdf", 88211, "https://sandbox.techlinksvc.net/files/sample-document-token", "2026-11-28T17:00:00Z", Created);
    private static readonly TaskResponse Task = new("900801", WorkOrderId, "Label cables", "Label both ends of every drop.", "2026-12-01T17:00:00Z", "open", null, Created, Created);

    public static object? For(string type) => type switch
    {
        EventCatalog.AccountCreated or EventCatalog.AccountUpdated => new DataEvent(type, User),
        EventCatalog.SiteCreated or EventCatalog.SiteUpdated => new DataEvent(type, Site),
        EventCatalog.WorkOrderCreated or EventCatalog.WorkOrderUpdated => new WorkOrderDataEvent(type, WorkOrderId, WorkOrder),
        EventCatalog.WorkOrderStatusChange => new StatusChangeEvent(type, WorkOrderId, "60", "Scheduled", "70", "Tech On Site"),
        EventCatalog.WorkOrderScheduled => new ScheduledEvent(type, WorkOrderId, "2026-12-01 09:00:00"),
        EventCatalog.WorkOrderAssigned => new AssignedEvent(type, WorkOrderId, "John Smith", "123-4567-8900"),
        EventCatalog.WorkOrderTechOnSite => new TechOnSiteEvent(type, WorkOrderId, "John Smith", "123-4567-8900", "2026-12-01 09:12:45 PST"),
        EventCatalog.WorkOrderTechOffSite => new TechOffSiteEvent(type, WorkOrderId, "complete", "2026-12-01 11:40:02 PST"),
        EventCatalog.WorkOrderClosed or EventCatalog.WorkOrderCancelled => new WorkOrderOnlyEvent(type, WorkOrderId),
        EventCatalog.WorkOrderNoteAdded => new WorkOrderDataEvent(type, WorkOrderId, Note),
        EventCatalog.WorkOrderPhotoAdded => new WorkOrderDataEvent(type, WorkOrderId, Photo),
        EventCatalog.WorkOrderQuestionAnswered => new WorkOrderDataEvent(type, WorkOrderId, Question),
        EventCatalog.WorkOrderCloseOutDocumentAdded or EventCatalog.WorkOrderClientDocumentAdded => new WorkOrderDataEvent(type, WorkOrderId, Document),
        EventCatalog.WorkOrderTaskAdded or EventCatalog.WorkOrderTaskUpdated => new WorkOrderDataEvent(type, WorkOrderId, Task),
        EventCatalog.WorkOrderTaskDeleted => new TaskDeletedEvent(type, WorkOrderId, "900801"),
        _ => null,
    };
}
