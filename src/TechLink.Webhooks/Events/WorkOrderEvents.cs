using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary>A work order has been created.</summary>
public sealed record WorkOrderCreated : WorkOrderEvent, ITechLinkEventType<WorkOrderCreated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderCreated;
    /// <inheritdoc />
    public static string Description => "A work order has been created for you.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, SampleBodies.NewWorkOrder);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The work order.</summary>
    public required WorkOrder Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.WorkOrder(Data);
}

/// <summary>A work order has been updated.</summary>
public sealed record WorkOrderUpdated : WorkOrderEvent, ITechLinkEventType<WorkOrderUpdated>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderUpdated;
    /// <inheritdoc />
    public static string Description => "One of your work orders has been updated.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Data(EventName, SampleBodies.WorkOrderId, SampleBodies.WorkOrder);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The work order after the change.</summary>
    public required WorkOrder Data { get; init; }
    /// <inheritdoc />
    public override string Describe() => EventText.WorkOrder(Data);
}

/// <summary>The work order entered a new phase. Codes and names are kept as sent.</summary>
public sealed record WorkOrderStatusChanged : WorkOrderEvent, ITechLinkEventType<WorkOrderStatusChanged>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderStatusChange;
    /// <inheritdoc />
    public static string Description => "One of your work orders has had its status changed.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "old_status_code": "60",
        "old_status": "Scheduled",
        "new_status_code": "70",
        "new_status": "Tech On Site"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>Previous status code, e.g. <c>"60"</c>.</summary>
    public string OldStatusCode { get; init; } = "";
    /// <summary>Previous status name, e.g. <c>"Scheduled"</c>.</summary>
    public string OldStatus { get; init; } = "";
    /// <summary>New status code, e.g. <c>"70"</c>.</summary>
    public string NewStatusCode { get; init; } = "";
    /// <summary>New status name, e.g. <c>"Tech On Site"</c>.</summary>
    public string NewStatus { get; init; } = "";

    /// <summary>The previous status as the specification's enumeration; null for a code it does not know.</summary>
    [JsonIgnore]
    public WorkOrderStatus? OldStatusValue => WorkOrderStatuses.FromCode(OldStatusCode);

    /// <summary>The new status as the specification's enumeration; null for a code it does not know.</summary>
    [JsonIgnore]
    public WorkOrderStatus? NewStatusValue => WorkOrderStatuses.FromCode(NewStatusCode);
    /// <inheritdoc />
    public override string Describe() => $"{OldStatusCode} {OldStatus} -> {NewStatusCode} {NewStatus}";
}

/// <summary>The install time changed.</summary>
public sealed record WorkOrderScheduled : WorkOrderEvent, ITechLinkEventType<WorkOrderScheduled>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderScheduled;
    /// <inheritdoc />
    public static string Description => "One of your work orders has been scheduled, i.e., has had an install date associated with it.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "start": "2026-12-03 09:00:00"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>Site-local install time, <c>"2019-03-27 09:00:00"</c>.</summary>
    public string Start { get; init; } = "";

    /// <summary><see cref="Start"/> parsed; false when it is blank or malformed.</summary>
    public bool TryGetStart(out SiteLocalTime start) => SiteLocalTime.TryParse(Start, out start);
    /// <inheritdoc />
    public override string Describe() => $"start {Start}";
}

/// <summary>A planned technician was set, or cleared (blank fields).</summary>
public sealed record WorkOrderAssigned : WorkOrderEvent, ITechLinkEventType<WorkOrderAssigned>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderAssigned;
    /// <inheritdoc />
    public static string Description => "One of your work orders has been assigned to an installer (blank technician fields when unassigned).";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "planned_tech_name": "John Smith",
        "planned_tech_phone": "123-4567-8900"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>Planned technician name; blank when unassigned.</summary>
    public string PlannedTechName { get; init; } = "";
    /// <summary>Planned technician phone; blank when unassigned.</summary>
    public string PlannedTechPhone { get; init; } = "";

    /// <summary>True when this event unassigns the work order (both technician fields blank).</summary>
    [JsonIgnore]
    public bool IsUnassigned => string.IsNullOrWhiteSpace(PlannedTechName) && string.IsNullOrWhiteSpace(PlannedTechPhone);
    /// <inheritdoc />
    public override string Describe() => IsUnassigned ? "unassigned" : $"tech {PlannedTechName} ({PlannedTechPhone})";
}

/// <summary>A technician arrived.</summary>
public sealed record WorkOrderTechOnSite : WorkOrderEvent, ITechLinkEventType<WorkOrderTechOnSite>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderTechOnSite;
    /// <inheritdoc />
    public static string Description => "One of your work orders has had a technician arrive on-site.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "tech_name": "John Smith",
        "tech_phone": "123-4567-8900",
        "time": "2026-12-03 09:12:45 PST"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>Technician name.</summary>
    public string TechName { get; init; } = "";
    /// <summary>Technician phone.</summary>
    public string TechPhone { get; init; } = "";
    /// <summary>Site-local arrival time with zone abbreviation, <c>"2019-01-23 01:23:45 PDT"</c>.</summary>
    public string Time { get; init; } = "";

    /// <summary><see cref="Time"/> parsed; false when it is blank or malformed.</summary>
    public bool TryGetTime(out SiteLocalTime time) => SiteLocalTime.TryParse(Time, out time);
    /// <inheritdoc />
    public override string Describe() => $"tech {TechName} ({TechPhone}) at {Time}";
}

/// <summary>The technician left, done (<c>complete</c>) or coming back (<c>return</c>).</summary>
public sealed record WorkOrderTechOffSite : WorkOrderEvent, ITechLinkEventType<WorkOrderTechOffSite>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderTechOffSite;
    /// <inheritdoc />
    public static string Description => "One of your work orders has had the technician leave the job site.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName, """
        "disposition": "complete",
        "time": "2026-12-03 13:40:02 PST"
        """);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
    /// <summary>The disposition value for finished work.</summary>
    public const string DispositionComplete = "complete";
    /// <summary>The disposition value when a return trip is planned.</summary>
    public const string DispositionReturn = "return";

    /// <summary><c>"complete"</c> or <c>"return"</c>.</summary>
    public string Disposition { get; init; } = "";
    /// <summary>Site-local departure time with zone abbreviation.</summary>
    public string Time { get; init; } = "";

    /// <summary>True when the work is complete.</summary>
    [JsonIgnore]
    public bool IsComplete => string.Equals(Disposition, DispositionComplete, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a return trip is planned.</summary>
    [JsonIgnore]
    public bool IsReturnTrip => string.Equals(Disposition, DispositionReturn, StringComparison.OrdinalIgnoreCase);

    /// <summary><see cref="Time"/> parsed; false when it is blank or malformed.</summary>
    public bool TryGetTime(out SiteLocalTime time) => SiteLocalTime.TryParse(Time, out time);
    /// <inheritdoc />
    public override string Describe() => $"disposition {Disposition} at {Time}";
}

/// <summary>A work order has been closed.</summary>
public sealed record WorkOrderClosed : WorkOrderEvent, ITechLinkEventType<WorkOrderClosed>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderClosed;
    /// <inheritdoc />
    public static string Description => "One of your work orders has been closed, and is considered to be complete.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
}

/// <summary>A work order has been cancelled.</summary>
public sealed record WorkOrderCancelled : WorkOrderEvent, ITechLinkEventType<WorkOrderCancelled>
{
    /// <inheritdoc />
    public static string EventName => TechLinkEventTypes.WorkOrderCancelled;
    /// <inheritdoc />
    public static string Description => "One of your work orders has been cancelled.";
    /// <inheritdoc />
    public static string SampleJson => SampleBodies.Fields(EventName);
    /// <inheritdoc />
    private protected override string TypeName => EventName;
}
