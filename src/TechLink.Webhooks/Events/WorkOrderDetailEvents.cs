namespace TechLink.Webhooks;

/// <summary>The note may hold HTML: escape or sanitise before display.</summary>
public sealed record WorkOrderNoteAdded : WorkOrderEvent, ITechLinkEventType<WorkOrderNoteAdded>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderNoteAdded;
    /// <inheritdoc />
    public static string Description => "A note has been added to one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
        {
            "note_id": "77120",
            "workorder_id": "123456",
            "content": "<p>Register 3 drop failed certification; <b>re-terminated</b> and passed.</p>",
            "author": "John Smith",
            "created_at": "2026-12-03T21:05:00Z"
        }
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The note.</summary>
    public required WorkOrderNote Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => $"note {Data.NoteId} by {Data.Author}: {EventText.Shorten(Data.Content)}";
}

/// <summary>The photo URL is time-limited: fetch it promptly.</summary>
public sealed record WorkOrderPhotoAdded : WorkOrderEvent, ITechLinkEventType<WorkOrderPhotoAdded>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderPhotoAdded;
    /// <inheritdoc />
    public static string Description => "A photo has been added to one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
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
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The photo.</summary>
    public required WorkOrderPhoto Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => $"photo {Data.PhotoId} {Data.FileName} ({EventText.Size(Data.SizeBytes)})";
}

/// <summary>Only the answered question is sent.</summary>
public sealed record WorkOrderQuestionAnswered : WorkOrderEvent, ITechLinkEventType<WorkOrderQuestionAnswered>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderQuestionAnswered;
    /// <inheritdoc />
    public static string Description => "A close-out question has been answered for one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
        {
            "question_id": "9021",
            "workorder_id": "123456",
            "question": "Were all four drops certified?",
            "answer": "Yes, all four passed Cat6 certification.",
            "answered_by": "John Smith",
            "answered_at": "2026-12-03T21:30:00Z",
            "created_at": "2026-11-20T17:45:00Z"
        }
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The answered question.</summary>
    public required WorkOrderQuestion Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => $"question {Data.QuestionId}: {EventText.Shorten(Data.Question)} = {EventText.Shorten(Data.Answer)}";
}

/// <summary>The URL is time-limited.</summary>
public sealed record WorkOrderCloseOutDocumentAdded : WorkOrderEvent, ITechLinkEventType<WorkOrderCloseOutDocumentAdded>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderCloseOutDocumentAdded;
    /// <inheritdoc />
    public static string Description => "A completed close-out document has been added to one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
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
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The document.</summary>
    public required WorkOrderDocument Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Document(Data);
}

/// <summary>The URL is time-limited.</summary>
public sealed record WorkOrderClientDocumentAdded : WorkOrderEvent, ITechLinkEventType<WorkOrderClientDocumentAdded>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderClientDocumentAdded;
    /// <inheritdoc />
    public static string Description => "A client document has been added to one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
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
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The document.</summary>
    public required WorkOrderDocument Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Document(Data);
}

/// <summary></summary>
public sealed record WorkOrderTaskAdded : WorkOrderEvent, ITechLinkEventType<WorkOrderTaskAdded>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderTaskAdded;
    /// <inheritdoc />
    public static string Description => "A task has been added to one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
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
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The task.</summary>
    public required WorkOrderTask Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Task(Data);
}

/// <summary></summary>
public sealed record WorkOrderTaskUpdated : WorkOrderEvent, ITechLinkEventType<WorkOrderTaskUpdated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderTaskUpdated;
    /// <inheritdoc />
    public static string Description => "One of your work order's tasks has been updated.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, """
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
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The task after the change.</summary>
    public required WorkOrderTask Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.Task(Data);
}

/// <summary></summary>
public sealed record WorkOrderTaskDeleted : WorkOrderEvent, ITechLinkEventType<WorkOrderTaskDeleted>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderTaskDeleted;
    /// <inheritdoc />
    public static string Description => "A task has been deleted from one of your work orders.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "task_id": "12345"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The deleted task's id.</summary>
    public string TaskId { get; init; } = "";
    /// <inheritdoc />
    public override string Describe() => $"task {TaskId}";
}
