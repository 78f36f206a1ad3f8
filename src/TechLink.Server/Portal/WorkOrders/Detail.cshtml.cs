using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Portal.WorkOrders;

/// <summary>
/// One work order: its status timeline and every attachment, and every action of the API (staff: all of them;
/// clients: edit, cancel, notes, client documents, tasks). Each action is the service the API calls, so it writes the same events.
/// </summary>
public sealed class DetailModel(TechLinkDbContext db, WorkOrderService workOrders, WorkOrderAttachmentService attachments, WorkOrderFileService files, NoteHtml noteHtml)
    : CompanyPage(db)
{
    public override string Tab => "workorders";

    [BindProperty(SupportsGet = true)]
    public string WorkOrderId { get; set; } = "";

    public WorkOrderResponse WorkOrder { get; private set; } = null!;
    public string SiteName { get; private set; } = "";
    public string SiteTimeZone { get; private set; } = "";
    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];
    public IReadOnlyList<NoteResponse> Notes { get; private set; } = [];
    public IReadOnlyList<PhotoResponse> Photos { get; private set; } = [];
    public IReadOnlyList<DocumentResponse> CloseOutDocuments { get; private set; } = [];
    public IReadOnlyList<DocumentResponse> ClientDocuments { get; private set; } = [];
    public IReadOnlyList<QuestionResponse> Questions { get; private set; } = [];
    public IReadOnlyList<TaskResponse> Tasks { get; private set; } = [];

    /// <summary>Which form was refused, so its errors show next to its fields.</summary>
    public string? Failed { get; private set; }

    /// <summary>Notes may hold any HTML an API client sent; only what the notes' policy keeps reaches the browser.</summary>
    public string SafeHtml(string html) => noteHtml.Sanitize(html);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    /// <summary>The life-cycle actions the work order's status allows (<see cref="WorkOrderRules"/>, as the API answers 409 for the others).</summary>
    public bool Allows(WorkOrderAction action) => WorkOrderRules.Allows(int.Parse(WorkOrder.StatusCode, System.Globalization.CultureInfo.InvariantCulture), action);

    /// <summary>What the user typed into a refused form, so it is shown again; otherwise the stored value.</summary>
    public string? Posted(string form, string name, string? stored) => Failed == form && Request.HasFormContentType ? Request.Form[name].ToString() : stored;

    public async Task<IActionResult> OnPostEditAsync(string? title, string? clientReference, string? description, string? priority, CancellationToken ct)
    {
        // The form always sends every field: an emptied one is "" (the API refuses an empty title), not "no change".
        var before = Formats.TryParseId(WorkOrderId, out var id) ? await Db.WorkOrders.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id && w.CompanyId == Company.Id, ct) : null;
        var unchanged = before is not null && before.Title == (title ?? "").Trim() && before.ClientReference == (clientReference ?? "").Trim()
            && before.Description == (description ?? "").Trim() && (priority is null || before.Priority == priority);
        // Saving what is stored already writes no update event, and says so.
        if (unchanged) return DoneAt("actions", "Nothing to save: the details were already as shown.", new { companyId = CompanyKey, workOrderId = WorkOrderId });
        return await ActAsync("edit", "actions", staffOnly: false, "Work order details saved.",
            () => workOrders.UpdateAsync(Caller, WorkOrderId, new UpdateWorkOrderRequest(clientReference ?? "", title ?? "", description ?? "", priority), ct), ct);
    }

    public Task<IActionResult> OnPostStatusAsync(string? statusCode, CancellationToken ct) =>
        ActAsync("status", "actions", staffOnly: true, "Status changed to {status}.", () => workOrders.SetStatusAsync(Caller, WorkOrderId, new StatusRequest(statusCode), ct), ct);

    public Task<IActionResult> OnPostScheduleAsync(string? start, CancellationToken ct) =>
        ActAsync("schedule", "actions", staffOnly: true, "Scheduled; the status is {status}.", () => workOrders.ScheduleAsync(Caller, WorkOrderId, new ScheduleRequest(start?.Trim()), ct), ct);

    public Task<IActionResult> OnPostAssignAsync(string? techName, string? techPhone, CancellationToken ct) =>
        ActAsync("assign", "actions", staffOnly: true, string.IsNullOrWhiteSpace(techName) && string.IsNullOrWhiteSpace(techPhone) ? "Planned technician removed; the status is {status}." : "Technician assigned; the status is {status}.",
            () => workOrders.AssignAsync(Caller, WorkOrderId, new TechRequest(techName ?? "", techPhone ?? ""), ct), ct);

    public Task<IActionResult> OnPostCheckInAsync(string? techName, string? techPhone, CancellationToken ct) =>
        ActAsync("checkin", "actions", staffOnly: true, "Technician checked in; the status is {status}.", () => workOrders.CheckInAsync(Caller, WorkOrderId, new TechRequest(techName, techPhone), ct), ct);

    public Task<IActionResult> OnPostCheckOutAsync(string? disposition, CancellationToken ct) =>
        ActAsync("checkout", "actions", staffOnly: true, "Technician checked out; the status is {status}.", () => workOrders.CheckOutAsync(Caller, WorkOrderId, new CheckOutRequest(disposition), ct), ct);

    public Task<IActionResult> OnPostCloseAsync(CancellationToken ct) =>
        ActAsync("close", "actions", staffOnly: true, "Work order closed.", () => workOrders.CloseAsync(Caller, WorkOrderId, ct), ct);

    public Task<IActionResult> OnPostCancelAsync(CancellationToken ct) =>
        ActAsync("cancel", "actions", staffOnly: false, "Work order cancelled.", () => workOrders.CancelAsync(Caller, WorkOrderId, ct), ct);

    public Task<IActionResult> OnPostNoteAsync(string? content, CancellationToken ct) =>
        ActAsync("note", "notes", staffOnly: false, "Note added.", () => attachments.AddNoteAsync(Caller, WorkOrderId, new NoteRequest(content), ct), ct);

    public Task<IActionResult> OnPostPhotoAsync(CancellationToken ct) =>
        ActAsync("photo", "photos", staffOnly: true, "Photo added.", () => files.UploadPhotoAsync(Caller, WorkOrderId, UploadForm.From(HttpContext), ct), ct);

    public Task<IActionResult> OnPostCloseOutDocumentAsync(CancellationToken ct) => UploadDocumentAsync("closeout", FileKind.CloseOutDocument, staffOnly: true, ct);

    public Task<IActionResult> OnPostClientDocumentAsync(CancellationToken ct) => UploadDocumentAsync("clientdoc", FileKind.ClientDocument, staffOnly: false, ct);

    public Task<IActionResult> OnPostQuestionAsync(string? question, CancellationToken ct) =>
        ActAsync("question", "questions", staffOnly: true, "Question added.", () => attachments.AddQuestionAsync(Caller, WorkOrderId, new QuestionRequest(question), ct), ct);

    public Task<IActionResult> OnPostAnswerAsync(string questionId, string? answer, CancellationToken ct) =>
        ActAsync("answer-" + questionId, "questions", staffOnly: true, "Answer saved.", () => attachments.AnswerAsync(Caller, WorkOrderId, questionId, new AnswerRequest(answer), ct), ct);

    public Task<IActionResult> OnPostTaskAsync(string? title, string? description, string? due, CancellationToken ct) =>
        ActAsync("task", "tasks", staffOnly: false, "Task added.", () => attachments.AddTaskAsync(Caller, WorkOrderId, new TaskRequest(title, description, Due(due), null), ct), ct);

    public Task<IActionResult> OnPostTaskStatusAsync(string taskId, string? status, CancellationToken ct) =>
        ActAsync("task-" + taskId, "tasks", staffOnly: false, $"Task marked {status}.", () => attachments.UpdateTaskAsync(Caller, WorkOrderId, taskId, new TaskRequest(null, null, null, status), ct), ct);

    public Task<IActionResult> OnPostDeleteTaskAsync(string taskId, CancellationToken ct) =>
        ActAsync("task-" + taskId, "tasks", staffOnly: false, "Task deleted.", () => attachments.DeleteTaskAsync(Caller, WorkOrderId, taskId, ct), ct);

    /// <summary>A date input gives "2026-12-01"; the API takes an instant (end of that day, UTC).</summary>
    private static string? Due(string? due) =>
        string.IsNullOrWhiteSpace(due) ? null : due.Length == 10 ? due + "T17:00:00Z" : due;

    /// <summary>A close-out or client document: the form and the card are named alike.</summary>
    private Task<IActionResult> UploadDocumentAsync(string form, FileKind kind, bool staffOnly, CancellationToken ct) =>
        ActAsync(form, form, staffOnly, "Document added.", () => files.UploadDocumentAsync(Caller, WorkOrderId, kind, UploadForm.From(HttpContext), ct), ct);

    /// <summary>
    /// Runs one action through the service the API calls too. Done: back to the page at the card the action concerns, its
    /// result on top of that card ("{status}" in the message becomes the new status). Refused: the page again with the
    /// messages next to the fields and what was typed kept.
    /// </summary>
    private async Task<IActionResult> ActAsync<T>(string form, string card, bool staffOnly, string done, Func<Task<Outcome<T>>> action, CancellationToken ct)
    {
        if (!await OwnsAsync(ct)) return NotFound();
        if (staffOnly && !Caller.IsStaff) return StatusCode(StatusCodes.Status403Forbidden);
        var outcome = await action();
        if (Accepted(outcome))
        {
            var message = outcome.Value is WorkOrderResponse w ? done.Replace("{status}", $"{w.StatusCode} {w.Status}", StringComparison.Ordinal) : done;
            return DoneAt(card, message, new { companyId = CompanyKey, workOrderId = WorkOrderId });
        }

        // A task or question of another work order (or company) is not found, like one that does not exist: 404, not a form error.
        if (outcome.Refusal!.IsNotFound) return NotFound();
        Failed = form;
        return await LoadAsync(ct) ? Page() : NotFound();
    }

    private Task<bool> OwnsAsync(CancellationToken ct) =>
        Formats.TryParseId(WorkOrderId, out var id) ? Db.WorkOrders.AnyAsync(w => w.Id == id && w.CompanyId == Company.Id, ct) : Task.FromResult(false);

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (!Formats.TryParseId(WorkOrderId, out var id)) return false;
        var w = await Db.WorkOrders.AsNoTracking().Include(x => x.Site).FirstOrDefaultAsync(x => x.Id == id && x.CompanyId == Company.Id, ct);
        if (w is null) return false;
        WorkOrder = WorkOrderService.Body(w);
        SiteName = w.Site!.Name;
        SiteTimeZone = w.Site.TimeZone;
        Timeline = Items(await workOrders.TimelineAsync(Caller, WorkOrderId, ct));
        Notes = Items(await attachments.NotesAsync(Caller, WorkOrderId, ct));
        Photos = Items(await files.PhotosAsync(Caller, WorkOrderId, ct));
        CloseOutDocuments = Items(await files.DocumentsAsync(Caller, WorkOrderId, FileKind.CloseOutDocument, ct));
        ClientDocuments = Items(await files.DocumentsAsync(Caller, WorkOrderId, FileKind.ClientDocument, ct));
        Questions = Items(await attachments.QuestionsAsync(Caller, WorkOrderId, ct));
        Tasks = Items(await attachments.TasksAsync(Caller, WorkOrderId, ct));
        return true;
    }

    private static IReadOnlyList<T> Items<T>(Outcome<Page<T>> outcome) => outcome.Succeeded ? outcome.Value.Items : [];
}
