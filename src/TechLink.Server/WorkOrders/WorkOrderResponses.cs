using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>The work order object of "Get Work Order Details", and the <c>data</c> of work order events.</summary>
public sealed record WorkOrderResponse(
    string WorkorderId, string CompanyId, string SiteId, string ClientReference, string Title, string Description, string Priority,
    string StatusCode, string Status, string? ScheduledStart, string PlannedTechName, string PlannedTechPhone, string TechName,
    string TechPhone, string? CheckInTime, string? CheckOutTime, string? CheckOutDisposition, string CreatedAt, string UpdatedAt)
{
    public static WorkOrderResponse From(WorkOrder w, string timeZone) => new(
        Formats.Id(w.Id), Formats.Id(w.CompanyId), Formats.Id(w.SiteId), w.ClientReference, w.Title, w.Description, w.Priority,
        Formats.Id(w.StatusCode), WorkOrderStatuses.Get(w.StatusCode).Name, SiteTime.Local(w.ScheduledStart, timeZone),
        w.PlannedTechName, w.PlannedTechPhone, w.TechName, w.TechPhone, SiteTime.LocalWithZone(w.CheckInAt, timeZone),
        SiteTime.LocalWithZone(w.CheckOutAt, timeZone), w.CheckOutDisposition, Formats.Instant(w.CreatedAt), Formats.Instant(w.UpdatedAt));
}

public sealed record StatusResponse(string Code, string Name, string Description)
{
    public static StatusResponse From(WorkOrderStatus s) => new(Formats.Id(s.Code), s.Name, s.Description);
}

public sealed record NoteResponse(string NoteId, string WorkorderId, string Content, string Author, string CreatedAt)
{
    public static NoteResponse From(Note n) => new(Formats.Id(n.Id), Formats.Id(n.WorkOrderId), n.Content, n.Author, Formats.Instant(n.CreatedAt));
}

public sealed record PhotoResponse(
    string PhotoId, string WorkorderId, string FileName, string ContentType, long SizeBytes, string Caption, string Url, string UrlExpiresAt, string CreatedAt)
{
    public static PhotoResponse From(WorkOrderFile f, FileStore files)
    {
        var (url, expires) = files.SignedUrl(f);
        return new(Formats.Id(f.Id), Formats.Id(f.WorkOrderId), f.FileName, f.ContentType, f.SizeBytes, f.Caption, url, Formats.Instant(expires), Formats.Instant(f.CreatedAt));
    }
}

public sealed record DocumentResponse(
    string DocumentId, string WorkorderId, string FileName, string ContentType, long SizeBytes, string Url, string UrlExpiresAt, string CreatedAt)
{
    public static DocumentResponse From(WorkOrderFile f, FileStore files)
    {
        var (url, expires) = files.SignedUrl(f);
        return new(Formats.Id(f.Id), Formats.Id(f.WorkOrderId), f.FileName, f.ContentType, f.SizeBytes, url, Formats.Instant(expires), Formats.Instant(f.CreatedAt));
    }
}

public sealed record QuestionResponse(
    string QuestionId, string WorkorderId, string Question, string? Answer, string? AnsweredBy, string? AnsweredAt, string CreatedAt)
{
    public static QuestionResponse From(Question q) => new(
        Formats.Id(q.Id), Formats.Id(q.WorkOrderId), q.Text, q.Answer, q.AnsweredBy, Formats.Instant(q.AnsweredAt), Formats.Instant(q.CreatedAt));
}

public sealed record TaskResponse(
    string TaskId, string WorkorderId, string Title, string Description, string? Due, string Status, string? CompletedAt, string CreatedAt, string UpdatedAt)
{
    public static TaskResponse From(WorkTask t) => new(
        Formats.Id(t.Id), Formats.Id(t.WorkOrderId), t.Title, t.Description, Formats.Instant(t.Due), t.Status, Formats.Instant(t.CompletedAt),
        Formats.Instant(t.CreatedAt), Formats.Instant(t.UpdatedAt));
}

public sealed record TimelineEntry(string? OldStatusCode, string? OldStatus, string NewStatusCode, string NewStatus, string ChangedBy, string ChangedAt);

public sealed record CreateWorkOrderRequest(string? SiteId, string? ClientReference, string? Title, string? Description, string? Priority);

public sealed record UpdateWorkOrderRequest(string? ClientReference, string? Title, string? Description, string? Priority);

public sealed record StatusRequest(string? StatusCode);

public sealed record ScheduleRequest(string? Start);

public sealed record TechRequest(string? TechName, string? TechPhone);

public sealed record CheckOutRequest(string? Disposition);

public sealed record NoteRequest(string? Content);

public sealed record QuestionRequest(string? Question);

public sealed record AnswerRequest(string? Answer);

public sealed record TaskRequest(string? Title, string? Description, string? Due, string? Status);
