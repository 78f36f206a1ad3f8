using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Portal.WorkOrders;

/// <summary>
/// One work order: its status timeline and every attachment, and every action of the API (staff: all of them;
/// clients: edit, cancel, notes, client documents, tasks). Each action is the API's handler, so it writes the same events.
/// </summary>
public sealed class DetailModel(TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, FileStore files, NoteHtml noteHtml, IOptions<TechLinkOptions> options)
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
            () => WorkOrderEndpoints.UpdateAsync(WorkOrderId, new UpdateWorkOrderRequest(clientReference ?? "", title ?? "", description ?? "", priority), HttpContext, Db, outbox, clock, ct), ct);
    }

    public Task<IActionResult> OnPostStatusAsync(string? statusCode, CancellationToken ct) =>
        ActAsync("status", "actions", staffOnly: true, "Status changed to {status}.", () => WorkOrderEndpoints.SetStatusAsync(WorkOrderId, new StatusRequest(statusCode), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostScheduleAsync(string? start, CancellationToken ct) =>
        ActAsync("schedule", "actions", staffOnly: true, "Scheduled; the status is {status}.", () => WorkOrderEndpoints.ScheduleAsync(WorkOrderId, new ScheduleRequest(start?.Trim()), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostAssignAsync(string? techName, string? techPhone, CancellationToken ct) =>
        ActAsync("assign", "actions", staffOnly: true, string.IsNullOrWhiteSpace(techName) && string.IsNullOrWhiteSpace(techPhone) ? "Planned technician removed; the status is {status}." : "Technician assigned; the status is {status}.",
            () => WorkOrderEndpoints.AssignAsync(WorkOrderId, new TechRequest(techName ?? "", techPhone ?? ""), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostCheckInAsync(string? techName, string? techPhone, CancellationToken ct) =>
        ActAsync("checkin", "actions", staffOnly: true, "Technician checked in; the status is {status}.", () => WorkOrderEndpoints.CheckInAsync(WorkOrderId, new TechRequest(techName, techPhone), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostCheckOutAsync(string? disposition, CancellationToken ct) =>
        ActAsync("checkout", "actions", staffOnly: true, "Technician checked out; the status is {status}.", () => WorkOrderEndpoints.CheckOutAsync(WorkOrderId, new CheckOutRequest(disposition), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostCloseAsync(CancellationToken ct) =>
        ActAsync("close", "actions", staffOnly: true, "Work order closed.", () => WorkOrderEndpoints.CloseAsync(WorkOrderId, HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostCancelAsync(CancellationToken ct) =>
        ActAsync("cancel", "actions", staffOnly: false, "Work order cancelled.", () => WorkOrderEndpoints.CancelAsync(WorkOrderId, HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostNoteAsync(string? content, CancellationToken ct) =>
        ActAsync("note", "notes", staffOnly: false, "Note added.", () => WorkOrderAttachmentEndpoints.AddNoteAsync(WorkOrderId, new NoteRequest(content), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostPhotoAsync(CancellationToken ct) => UploadAsync("photo", "photos", FileKind.Photo, staffOnly: true, ct);

    public Task<IActionResult> OnPostCloseOutDocumentAsync(CancellationToken ct) => UploadAsync("closeout", "closeout", FileKind.CloseOutDocument, staffOnly: true, ct);

    public Task<IActionResult> OnPostClientDocumentAsync(CancellationToken ct) => UploadAsync("clientdoc", "clientdoc", FileKind.ClientDocument, staffOnly: false, ct);

    public Task<IActionResult> OnPostQuestionAsync(string? question, CancellationToken ct) =>
        ActAsync("question", "questions", staffOnly: true, "Question added.", () => WorkOrderAttachmentEndpoints.AddQuestionAsync(WorkOrderId, new QuestionRequest(question), HttpContext, Db, clock, ct), ct);

    public Task<IActionResult> OnPostAnswerAsync(string questionId, string? answer, CancellationToken ct) =>
        ActAsync("answer-" + questionId, "questions", staffOnly: true, "Answer saved.", () => WorkOrderAttachmentEndpoints.AnswerAsync(WorkOrderId, questionId, new AnswerRequest(answer), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostTaskAsync(string? title, string? description, string? due, CancellationToken ct) =>
        ActAsync("task", "tasks", staffOnly: false, "Task added.", () => WorkOrderAttachmentEndpoints.AddTaskAsync(WorkOrderId, new TaskRequest(title, description, Due(due), null), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostTaskStatusAsync(string taskId, string? status, CancellationToken ct) =>
        ActAsync("task-" + taskId, "tasks", staffOnly: false, $"Task marked {status}.", () => WorkOrderAttachmentEndpoints.UpdateTaskAsync(WorkOrderId, taskId, new TaskRequest(null, null, null, status), HttpContext, Db, outbox, clock, ct), ct);

    public Task<IActionResult> OnPostDeleteTaskAsync(string taskId, CancellationToken ct) =>
        ActAsync("task-" + taskId, "tasks", staffOnly: false, "Task deleted.", () => WorkOrderAttachmentEndpoints.DeleteTaskAsync(WorkOrderId, taskId, HttpContext, Db, outbox, ct), ct);

    /// <summary>A date input gives "2026-12-01"; the API takes an instant (end of that day, UTC).</summary>
    private static string? Due(string? due) =>
        string.IsNullOrWhiteSpace(due) ? null : due.Length == 10 ? due + "T17:00:00Z" : due;

    private Task<IActionResult> UploadAsync(string form, string card, FileKind kind, bool staffOnly, CancellationToken ct) =>
        ActAsync(form, card, staffOnly, kind == FileKind.Photo ? "Photo added." : "Document added.",
            () => WorkOrderAttachmentEndpoints.UploadAsync(WorkOrderId, kind, HttpContext, Db, files, outbox, clock, options.Value, ct), ct);

    /// <summary>
    /// Runs one action through the API's handler. Done: back to the page at the card the action concerns, its result on
    /// top of that card ("{status}" in the message becomes the new status). Refused: the page again with the messages
    /// next to the fields and what was typed kept.
    /// </summary>
    private async Task<IActionResult> ActAsync(string form, string card, bool staffOnly, string done, Func<Task<IResult>> action, CancellationToken ct)
    {
        if (!await OwnsAsync(ct)) return NotFound();
        if (staffOnly && !Caller.IsStaff) return StatusCode(StatusCodes.Status403Forbidden);
        var outcome = await CallAsync(action());
        if (outcome.Succeeded)
        {
            var message = outcome.Value is WorkOrderResponse w ? done.Replace("{status}", $"{w.StatusCode} {w.Status}", StringComparison.Ordinal) : done;
            return DoneAt(card, message, new { companyId = CompanyKey, workOrderId = WorkOrderId });
        }

        // A task or question of another work order (or company) is not found, like one that does not exist: 404, not a form error.
        if (outcome.NotFound) return NotFound();
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
        WorkOrder = WorkOrderEndpoints.Body(w);
        SiteName = w.Site!.Name;
        SiteTimeZone = w.Site.TimeZone;
        Timeline = Items<TimelineEntry>(await WorkOrderEndpoints.TimelineAsync(WorkOrderId, HttpContext, Db, ct));
        Notes = Items<NoteResponse>(await WorkOrderAttachmentEndpoints.ListNotesAsync(WorkOrderId, HttpContext, Db, ct));
        Photos = Items<PhotoResponse>(await WorkOrderAttachmentEndpoints.ListFilesAsync(WorkOrderId, FileKind.Photo, f => PhotoResponse.From(f, files), HttpContext, Db, ct));
        CloseOutDocuments = Items<DocumentResponse>(await WorkOrderAttachmentEndpoints.ListFilesAsync(WorkOrderId, FileKind.CloseOutDocument, f => DocumentResponse.From(f, files), HttpContext, Db, ct));
        ClientDocuments = Items<DocumentResponse>(await WorkOrderAttachmentEndpoints.ListFilesAsync(WorkOrderId, FileKind.ClientDocument, f => DocumentResponse.From(f, files), HttpContext, Db, ct));
        Questions = Items<QuestionResponse>(await WorkOrderAttachmentEndpoints.ListQuestionsAsync(WorkOrderId, HttpContext, Db, ct));
        Tasks = Items<TaskResponse>(await WorkOrderAttachmentEndpoints.ListTasksAsync(WorkOrderId, HttpContext, Db, ct));
        return true;
    }

    private static IReadOnlyList<T> Items<T>(IResult result) => ApiOutcome.From(result) is { Succeeded: true } o ? o.As<Page<T>>().Items : [];
}
