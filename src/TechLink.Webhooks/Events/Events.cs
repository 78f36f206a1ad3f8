using System.Text.Json.Serialization;

namespace TechLink.Webhooks;

/// <summary><c>"account created"</c>: a user account has been created.</summary>
public sealed record AccountCreated : TechLinkEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.AccountCreated;
    /// <summary>The user account.</summary>
    public required User Data { get; init; }
}

/// <summary><c>"account updated"</c>: a user account has been updated.</summary>
public sealed record AccountUpdated : TechLinkEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.AccountUpdated;
    /// <summary>The user account after the change.</summary>
    public required User Data { get; init; }
}

/// <summary><c>"site created"</c>: a job site has been created.</summary>
public sealed record SiteCreated : TechLinkEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.SiteCreated;
    /// <summary>The site.</summary>
    public required Site Data { get; init; }
}

/// <summary><c>"site updated"</c>: a job site has been updated.</summary>
public sealed record SiteUpdated : TechLinkEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.SiteUpdated;
    /// <summary>The site after the change.</summary>
    public required Site Data { get; init; }
}

/// <summary><c>"work order created"</c>.</summary>
public sealed record WorkOrderCreated : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderCreated;
    /// <summary>The work order.</summary>
    public required WorkOrder Data { get; init; }
}

/// <summary><c>"work order updated"</c>.</summary>
public sealed record WorkOrderUpdated : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderUpdated;
    /// <summary>The work order after the change.</summary>
    public required WorkOrder Data { get; init; }
}

/// <summary><c>"work order status change"</c>: the work order entered a new phase. Codes and names are kept as sent.</summary>
public sealed record WorkOrderStatusChanged : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderStatusChange;
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
}

/// <summary><c>"work order scheduled"</c>: the install time changed.</summary>
public sealed record WorkOrderScheduled : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderScheduled;
    /// <summary>Site-local install time, <c>"2019-03-27 09:00:00"</c>.</summary>
    public string Start { get; init; } = "";

    /// <summary><see cref="Start"/> parsed; false when it is blank or malformed.</summary>
    public bool TryGetStart(out SiteLocalTime start) => SiteLocalTime.TryParse(Start, out start);
}

/// <summary><c>"work order assigned"</c>: a planned technician was set, or cleared (blank fields).</summary>
public sealed record WorkOrderAssigned : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderAssigned;
    /// <summary>Planned technician name; blank when unassigned.</summary>
    public string PlannedTechName { get; init; } = "";
    /// <summary>Planned technician phone; blank when unassigned.</summary>
    public string PlannedTechPhone { get; init; } = "";

    /// <summary>True when this event unassigns the work order (both technician fields blank).</summary>
    [JsonIgnore]
    public bool IsUnassigned => string.IsNullOrWhiteSpace(PlannedTechName) && string.IsNullOrWhiteSpace(PlannedTechPhone);
}

/// <summary><c>"work order tech on-site"</c>: a technician arrived.</summary>
public sealed record WorkOrderTechOnSite : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderTechOnSite;
    /// <summary>Technician name.</summary>
    public string TechName { get; init; } = "";
    /// <summary>Technician phone.</summary>
    public string TechPhone { get; init; } = "";
    /// <summary>Site-local arrival time with zone abbreviation, <c>"2019-01-23 01:23:45 PDT"</c>.</summary>
    public string Time { get; init; } = "";

    /// <summary><see cref="Time"/> parsed; false when it is blank or malformed.</summary>
    public bool TryGetTime(out SiteLocalTime time) => SiteLocalTime.TryParse(Time, out time);
}

/// <summary><c>"work order tech off-site"</c>: the technician left, done (<c>complete</c>) or coming back (<c>return</c>).</summary>
public sealed record WorkOrderTechOffSite : WorkOrderEvent
{
    /// <summary>The disposition value for finished work.</summary>
    public const string DispositionComplete = "complete";
    /// <summary>The disposition value when a return trip is planned.</summary>
    public const string DispositionReturn = "return";

    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderTechOffSite;
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
}

/// <summary><c>"work order closed"</c>.</summary>
public sealed record WorkOrderClosed : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderClosed;
}

/// <summary><c>"work order cancelled"</c>.</summary>
public sealed record WorkOrderCancelled : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderCancelled;
}

/// <summary><c>"work order note added"</c>. The note may hold HTML: escape or sanitise before display.</summary>
public sealed record WorkOrderNoteAdded : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderNoteAdded;
    /// <summary>The note.</summary>
    public required WorkOrderNote Data { get; init; }
}

/// <summary><c>"work order photo added"</c>. The photo URL is time-limited: fetch it promptly.</summary>
public sealed record WorkOrderPhotoAdded : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderPhotoAdded;
    /// <summary>The photo.</summary>
    public required WorkOrderPhoto Data { get; init; }
}

/// <summary><c>"work order question answered"</c>: only the answered question is sent.</summary>
public sealed record WorkOrderQuestionAnswered : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderQuestionAnswered;
    /// <summary>The answered question.</summary>
    public required WorkOrderQuestion Data { get; init; }
}

/// <summary><c>"work order close-out document added"</c>. The URL is time-limited.</summary>
public sealed record WorkOrderCloseOutDocumentAdded : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderCloseOutDocumentAdded;
    /// <summary>The document.</summary>
    public required WorkOrderDocument Data { get; init; }
}

/// <summary><c>"work order client document added"</c>. The URL is time-limited.</summary>
public sealed record WorkOrderClientDocumentAdded : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderClientDocumentAdded;
    /// <summary>The document.</summary>
    public required WorkOrderDocument Data { get; init; }
}

/// <summary><c>"work order task added"</c>.</summary>
public sealed record WorkOrderTaskAdded : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderTaskAdded;
    /// <summary>The task.</summary>
    public required WorkOrderTask Data { get; init; }
}

/// <summary><c>"work order task updated"</c>.</summary>
public sealed record WorkOrderTaskUpdated : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderTaskUpdated;
    /// <summary>The task after the change.</summary>
    public required WorkOrderTask Data { get; init; }
}

/// <summary><c>"work order task deleted"</c>.</summary>
public sealed record WorkOrderTaskDeleted : WorkOrderEvent
{
    /// <inheritdoc />
    public override string Event => TechLinkEventTypes.WorkOrderTaskDeleted;
    /// <summary>The deleted task's id.</summary>
    public string TaskId { get; init; } = "";
}
