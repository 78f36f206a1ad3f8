using System.Diagnostics.CodeAnalysis;

namespace TechLink.Webhooks;

/// <summary>
/// A realistic body for each of the 21 event types, shaped exactly as the server sends them. Use them to test a
/// receiver (the <c>techlink trigger</c> command sends these).
/// </summary>
public static class TechLinkSamples
{
    private const string User = """
        {
            "user_id": "4821",
            "company_id": "1007",
            "username": "jdoe",
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane.doe@example.com",
            "phone": "503-555-0142",
            "is_active": true,
            "created_at": "2026-11-02T16:20:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    private const string Site = """
        {
            "site_id": "3310",
            "company_id": "1007",
            "name": "Portland Store #12",
            "site_number": "PDX-012",
            "address1": "1200 NW Everett St",
            "address2": "Suite 4",
            "city": "Portland",
            "state": "OR",
            "postal_code": "97209",
            "country": "US",
            "phone": "503-555-0100",
            "contact_name": "Sam Rivera",
            "timezone": "America/Los_Angeles",
            "created_at": "2026-10-14T09:00:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    private const string WorkOrder = """
        {
            "workorder_id": "123456",
            "company_id": "1007",
            "site_id": "3310",
            "client_reference": "PO-88412",
            "title": "Replace POS terminal cabling",
            "description": "Re-run Cat6 to registers 1-4 and certify each drop.",
            "priority": "high",
            "status_code": "60",
            "status": "Scheduled",
            "scheduled_start": "2026-12-03 09:00:00",
            "planned_tech_name": "John Smith",
            "planned_tech_phone": "123-4567-8900",
            "tech_name": null,
            "tech_phone": null,
            "check_in_time": null,
            "check_out_time": null,
            "check_out_disposition": null,
            "created_at": "2026-11-20T17:45:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        [TechLinkEventTypes.AccountCreated] = Data(TechLinkEventTypes.AccountCreated, null, User),
        [TechLinkEventTypes.AccountUpdated] = Data(TechLinkEventTypes.AccountUpdated, null, User),
        [TechLinkEventTypes.SiteCreated] = Data(TechLinkEventTypes.SiteCreated, null, Site),
        [TechLinkEventTypes.SiteUpdated] = Data(TechLinkEventTypes.SiteUpdated, null, Site),
        [TechLinkEventTypes.WorkOrderCreated] = Data(TechLinkEventTypes.WorkOrderCreated, "123456", WorkOrder
            .Replace("\"status_code\": \"60\"", "\"status_code\": \"10\"", StringComparison.Ordinal)
            .Replace("\"status\": \"Scheduled\"", "\"status\": \"Created\"", StringComparison.Ordinal)
            .Replace("\"scheduled_start\": \"2026-12-03 09:00:00\"", "\"scheduled_start\": null", StringComparison.Ordinal)
            .Replace("\"planned_tech_name\": \"John Smith\"", "\"planned_tech_name\": \"\"", StringComparison.Ordinal)
            .Replace("\"planned_tech_phone\": \"123-4567-8900\"", "\"planned_tech_phone\": \"\"", StringComparison.Ordinal)),
        [TechLinkEventTypes.WorkOrderUpdated] = Data(TechLinkEventTypes.WorkOrderUpdated, "123456", WorkOrder),
        [TechLinkEventTypes.WorkOrderStatusChange] = """
            {
                "event": "work order status change",
                "workorder_id": "123456",
                "old_status_code": "60",
                "old_status": "Scheduled",
                "new_status_code": "70",
                "new_status": "Tech On Site"
            }
            """,
        [TechLinkEventTypes.WorkOrderScheduled] = """
            {
                "event": "work order scheduled",
                "workorder_id": "123456",
                "start": "2026-12-03 09:00:00"
            }
            """,
        [TechLinkEventTypes.WorkOrderAssigned] = """
            {
                "event": "work order assigned",
                "workorder_id": "123456",
                "planned_tech_name": "John Smith",
                "planned_tech_phone": "123-4567-8900"
            }
            """,
        [TechLinkEventTypes.WorkOrderTechOnSite] = """
            {
                "event": "work order tech on-site",
                "workorder_id": "123456",
                "tech_name": "John Smith",
                "tech_phone": "123-4567-8900",
                "time": "2026-12-03 09:12:45 PST"
            }
            """,
        [TechLinkEventTypes.WorkOrderTechOffSite] = """
            {
                "event": "work order tech off-site",
                "workorder_id": "123456",
                "disposition": "complete",
                "time": "2026-12-03 13:40:02 PST"
            }
            """,
        [TechLinkEventTypes.WorkOrderClosed] = """
            {
                "event": "work order closed",
                "workorder_id": "123456"
            }
            """,
        [TechLinkEventTypes.WorkOrderCancelled] = """
            {
                "event": "work order cancelled",
                "workorder_id": "123456"
            }
            """,
        [TechLinkEventTypes.WorkOrderNoteAdded] = Data(TechLinkEventTypes.WorkOrderNoteAdded, "123456", """
            {
                "note_id": "77120",
                "workorder_id": "123456",
                "content": "<p>Register 3 drop failed certification; <b>re-terminated</b> and passed.</p>",
                "author": "John Smith",
                "created_at": "2026-12-03T21:05:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderPhotoAdded] = Data(TechLinkEventTypes.WorkOrderPhotoAdded, "123456", """
            {
                "photo_id": "55031",
                "workorder_id": "123456",
                "file_name": "rack-after.jpg",
                "content_type": "image/jpeg",
                "size_bytes": 284113,
                "caption": "Network rack after re-cabling",
                "url": "https://sandbox.techlinksvc.net/files/photos/55031?expires=1796417100&sig=3f9a1c",
                "url_expires_at": "2026-12-03T22:05:00Z",
                "created_at": "2026-12-03T21:05:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderQuestionAnswered] = Data(TechLinkEventTypes.WorkOrderQuestionAnswered, "123456", """
            {
                "question_id": "9021",
                "workorder_id": "123456",
                "question": "Were all four drops certified?",
                "answer": "Yes, all four passed Cat6 certification.",
                "answered_by": "John Smith",
                "answered_at": "2026-12-03T21:30:00Z",
                "created_at": "2026-11-20T17:45:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderCloseOutDocumentAdded] = Data(TechLinkEventTypes.WorkOrderCloseOutDocumentAdded, "123456", """
            {
                "document_id": "6604",
                "workorder_id": "123456",
                "file_name": "certification-report.pdf",
                "content_type": "application/pdf",
                "size_bytes": 118402,
                "url": "https://sandbox.techlinksvc.net/files/closeout/6604?expires=1796418000&sig=a81d07",
                "url_expires_at": "2026-12-03T22:20:00Z",
                "created_at": "2026-12-03T21:20:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderClientDocumentAdded] = Data(TechLinkEventTypes.WorkOrderClientDocumentAdded, "123456", """
            {
                "document_id": "6611",
                "workorder_id": "123456",
                "file_name": "store-floor-plan.pdf",
                "content_type": "application/pdf",
                "size_bytes": 902144,
                "url": "https://sandbox.techlinksvc.net/files/client/6611?expires=1796330400&sig=c04e52",
                "url_expires_at": "2026-12-02T22:00:00Z",
                "created_at": "2026-12-02T21:00:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderTaskAdded] = Data(TechLinkEventTypes.WorkOrderTaskAdded, "123456", """
            {
                "task_id": "12345",
                "workorder_id": "123456",
                "title": "Label patch panel ports",
                "description": "Use the store's naming scheme REG-1..REG-4.",
                "due": "2026-12-03T23:00:00Z",
                "status": "open",
                "completed_at": null,
                "created_at": "2026-11-28T12:00:00Z",
                "updated_at": "2026-11-28T12:00:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderTaskUpdated] = Data(TechLinkEventTypes.WorkOrderTaskUpdated, "123456", """
            {
                "task_id": "12345",
                "workorder_id": "123456",
                "title": "Label patch panel ports",
                "description": "Use the store's naming scheme REG-1..REG-4.",
                "due": "2026-12-03T23:00:00Z",
                "status": "completed",
                "completed_at": "2026-12-03T21:10:00Z",
                "created_at": "2026-11-28T12:00:00Z",
                "updated_at": "2026-12-03T21:10:00Z"
            }
            """),
        [TechLinkEventTypes.WorkOrderTaskDeleted] = """
            {
                "event": "work order task deleted",
                "workorder_id": "123456",
                "task_id": "12345"
            }
            """,
    };

    /// <summary>Every sample, keyed by event type, in the specification's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> All { get; } =
        [.. TechLinkEventTypes.All.Select(t => KeyValuePair.Create(t, Bodies[t]))];

    /// <summary>The sample body of an event type; throws <see cref="ArgumentException"/> for a type the specification does not have.</summary>
    public static string For(string eventType) =>
        TryGet(eventType, out var body) ? body : throw new ArgumentException($"Unknown event type \"{eventType}\".", nameof(eventType));

    /// <summary>The sample body of an event type (matched exactly, as the <c>event</c> field is).</summary>
    public static bool TryGet(string eventType, [NotNullWhen(true)] out string? body) => Bodies.TryGetValue(eventType, out body);

    private static string Data(string eventType, string? workOrderId, string data)
    {
        var indented = data.Trim().Replace("\n", "\n    ", StringComparison.Ordinal);
        var workOrder = workOrderId is null ? "" : $"\n    \"workorder_id\": \"{workOrderId}\",";
        return $"{{\n    \"event\": \"{eventType}\",{workOrder}\n    \"data\": {indented}\n}}";
    }
}
