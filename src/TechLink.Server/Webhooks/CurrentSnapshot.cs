using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Accounts;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;
using TechLinkEventTypes = TechLink.Webhooks.TechLinkEventTypes;

namespace TechLink.Server.Webhooks;

/// <summary>
/// A <c>current</c> snapshot of an event (redeliver with <c>{"snapshot": "current"}</c>): the same event type's payload
/// rebuilt from the row its <c>data</c> describes as it is now, exactly as the matching GET answers it.
/// </summary>
internal static class CurrentSnapshot
{
    /// <summary>What a snapshot came to: the payload and its subject, or why there is none.</summary>
    public sealed record Result(object? Payload, EventSubject? Subject, string? Problem);

    private static Result Gone(string what) => new(null, null, $"The {what} this event describes no longer exists; redeliver the original snapshot instead.");

    public static async Task<Result> BuildAsync(TechLinkDbContext db, FileStore files, OutboxMessage message, CancellationToken ct)
    {
        using var original = JsonDocument.Parse(message.Payload);
        var root = original.RootElement;
        var type = message.EventType;
        var tenant = message.TenantId;
        long? Id(string property) =>
            root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty(property, out var value)
            && value.ValueKind == JsonValueKind.String && Formats.TryParseId(value.GetString(), out var id) ? id : null;
        long? workOrderId = root.TryGetProperty("workorder_id", out var w) && w.ValueKind == JsonValueKind.String && Formats.TryParseId(w.GetString(), out var wid) ? wid : null;
        // Read before the queries: EF Core takes them as parameters.
        var (userId, siteId, noteId, photoId) = (Id("user_id"), Id("site_id"), Id("note_id"), Id("photo_id"));
        var (documentId, questionId, taskId) = (Id("document_id"), Id("question_id"), Id("task_id"));
        Result WorkOrderEvent(object body) => new(new WorkOrderDataEvent(type, Formats.Id(workOrderId!.Value), body), EventSubject.WorkOrder(workOrderId.Value), null);

        switch (type)
        {
            case TechLinkEventTypes.AccountCreated or TechLinkEventTypes.AccountUpdated:
            {
                var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.CompanyId == tenant, ct);
                return user is null ? Gone("account") : new(new DataEvent(type, UserResponse.From(user)), EventSubject.User(user.Id), null);
            }

            case TechLinkEventTypes.SiteCreated or TechLinkEventTypes.SiteUpdated:
            {
                var site = await db.Sites.AsNoTracking().FirstOrDefaultAsync(s => s.Id == siteId && s.CompanyId == tenant, ct);
                return site is null ? Gone("site") : new(new DataEvent(type, SiteResponse.From(site)), EventSubject.Site(site.Id), null);
            }
        }

        if (workOrderId is null || !await db.WorkOrders.AnyAsync(x => x.Id == workOrderId && x.CompanyId == tenant, ct)) return Gone("work order");
        switch (type)
        {
            case TechLinkEventTypes.WorkOrderCreated or TechLinkEventTypes.WorkOrderUpdated:
                var order = await db.WorkOrders.AsNoTracking().Include(x => x.Site).SingleAsync(x => x.Id == workOrderId, ct);
                return WorkOrderEvent(WorkOrderService.Body(order));
            case TechLinkEventTypes.WorkOrderNoteAdded:
                var note = await db.Notes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == noteId && n.WorkOrderId == workOrderId, ct);
                return note is null ? Gone("note") : WorkOrderEvent(NoteResponse.From(note));
            case TechLinkEventTypes.WorkOrderPhotoAdded:
                var photo = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == photoId && f.WorkOrderId == workOrderId && f.Kind == FileKind.Photo, ct);
                return photo is null ? Gone("photo") : WorkOrderEvent(PhotoResponse.From(photo, files));
            case TechLinkEventTypes.WorkOrderCloseOutDocumentAdded or TechLinkEventTypes.WorkOrderClientDocumentAdded:
                var kind = type == TechLinkEventTypes.WorkOrderCloseOutDocumentAdded ? FileKind.CloseOutDocument : FileKind.ClientDocument;
                var document = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == documentId && f.WorkOrderId == workOrderId && f.Kind == kind, ct);
                return document is null ? Gone("document") : WorkOrderEvent(DocumentResponse.From(document, files));
            case TechLinkEventTypes.WorkOrderQuestionAnswered:
                var question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == questionId && q.WorkOrderId == workOrderId, ct);
                return question is null ? Gone("question") : WorkOrderEvent(QuestionResponse.From(question));
            case TechLinkEventTypes.WorkOrderTaskAdded or TechLinkEventTypes.WorkOrderTaskUpdated:
                var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId && t.WorkOrderId == workOrderId, ct);
                return task is null ? Gone("task") : WorkOrderEvent(TaskResponse.From(task));
            default:
                return new(null, null, $"A '{type}' event records a change, not the state of a resource: it has no current snapshot; redeliver the original instead.");
        }
    }
}
