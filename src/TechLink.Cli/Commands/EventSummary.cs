using System.Globalization;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary>One readable line per event: its name, the work order and the fields that matter for its type.</summary>
internal static class EventSummary
{
    public static string Describe(TechLinkEvent e)
    {
        var details = e switch
        {
            AccountCreated a => User(a.Data),
            AccountUpdated a => User(a.Data),
            SiteCreated s => Site(s.Data),
            SiteUpdated s => Site(s.Data),
            WorkOrderCreated w => WorkOrder(w.Data),
            WorkOrderUpdated w => WorkOrder(w.Data),
            WorkOrderStatusChanged s => $"{s.OldStatusCode} {s.OldStatus} -> {s.NewStatusCode} {s.NewStatus}",
            WorkOrderScheduled s => $"start {s.Start}",
            WorkOrderAssigned a => a.IsUnassigned ? "unassigned" : $"tech {a.PlannedTechName} ({a.PlannedTechPhone})",
            WorkOrderTechOnSite t => $"tech {t.TechName} ({t.TechPhone}) at {t.Time}",
            WorkOrderTechOffSite t => $"disposition {t.Disposition} at {t.Time}",
            WorkOrderNoteAdded n => $"note {n.Data.NoteId} by {n.Data.Author}: {Shorten(n.Data.Content)}",
            WorkOrderPhotoAdded p => $"photo {p.Data.PhotoId} {p.Data.FileName} ({Size(p.Data.SizeBytes)})",
            WorkOrderQuestionAnswered q => $"question {q.Data.QuestionId}: {Shorten(q.Data.Question)} = {Shorten(q.Data.Answer)}",
            WorkOrderCloseOutDocumentAdded d => $"document {d.Data.DocumentId} {d.Data.FileName} ({Size(d.Data.SizeBytes)})",
            WorkOrderClientDocumentAdded d => $"document {d.Data.DocumentId} {d.Data.FileName} ({Size(d.Data.SizeBytes)})",
            WorkOrderTaskAdded t => $"task {t.Data.TaskId} \"{Shorten(t.Data.Title)}\" {t.Data.Status}",
            WorkOrderTaskUpdated t => $"task {t.Data.TaskId} \"{Shorten(t.Data.Title)}\" {t.Data.Status}",
            WorkOrderTaskDeleted t => $"task {t.TaskId}",
            UnknownEvent u => "(event type unknown to this version)" + (u.WorkOrderId is null ? "" : $" wo {u.WorkOrderId}"),
            _ => "",
        };

        var workOrder = e is WorkOrderEvent w2 ? $"  wo {w2.WorkOrderId}" : "";
        return $"{e.Event}{workOrder}{(details.Length > 0 ? "  " + details : "")}";
    }

    private static string User(User u) => $"user {u.UserId} {u.Username} <{u.Email}>";

    private static string Site(Site s) => $"site {s.SiteId} \"{s.Name}\" {s.Timezone}";

    private static string WorkOrder(WorkOrder w) => $"\"{Shorten(w.Title)}\" status {w.StatusCode} {w.Status}";

    private static string Size(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    private static string Shorten(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var flat = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 60 ? flat : flat[..57] + "...";
    }
}
