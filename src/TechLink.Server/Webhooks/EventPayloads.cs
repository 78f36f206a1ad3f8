namespace TechLink.Server.Webhooks;

// The spec's payloads, field for field. Property names become snake_case on the wire.

public sealed record WorkOrderDataEvent(string Event, string WorkorderId, object Data);

public sealed record StatusChangeEvent(string Event, string WorkorderId, string OldStatusCode, string OldStatus, string NewStatusCode, string NewStatus);

public sealed record ScheduledEvent(string Event, string WorkorderId, string Start);

public sealed record AssignedEvent(string Event, string WorkorderId, string PlannedTechName, string PlannedTechPhone);

public sealed record TechOnSiteEvent(string Event, string WorkorderId, string TechName, string TechPhone, string Time);

public sealed record TechOffSiteEvent(string Event, string WorkorderId, string Disposition, string Time);

public sealed record WorkOrderOnlyEvent(string Event, string WorkorderId);

public sealed record TaskDeletedEvent(string Event, string WorkorderId, string TaskId);

public sealed record DataEvent(string Event, object Data);
