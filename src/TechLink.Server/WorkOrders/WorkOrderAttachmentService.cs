using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// What is written onto a work order besides its files: notes, close-out questions and their answers, tasks. Each action
/// writes its event in the same transaction and answers the item or a <see cref="Refusal"/> (then nothing stays). The
/// work order is found as <see cref="WorkOrderService"/> finds it: another company's answers 404 like a missing one.
/// </summary>
public sealed class WorkOrderAttachmentService(TechLinkDbContext db, EventOutbox outbox, TimeProvider clock)
{
    private static Refusal NoWorkOrder => Refusal.NotFound("work order");

    public async Task<Outcome<Page<NoteResponse>>> NotesAsync(Caller caller, string workOrderId, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var notes = await db.Notes.AsNoTracking().Where(n => n.WorkOrderId == w.Id).OrderBy(n => n.Id).ToListAsync(ct);
        return new Page<NoteResponse>([.. notes.Select(NoteResponse.From)], null);
    }

    public async Task<Outcome<NoteResponse>> AddNoteAsync(Caller caller, string workOrderId, NoteRequest request, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var v = new Validator();
        v.Text("content", request.Content, 100_000, required: true);
        if (v.Failed) return v.Refusal();
        var note = new Note { WorkOrderId = w.Id, CompanyId = w.CompanyId, Content = request.Content!, Author = caller.Name, CreatedAt = Formats.Now(clock) };
        db.Notes.Add(note);
        return await outbox.SaveCreatedAsync<Events.WorkOrderNoteAdded, NoteResponse>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), () => NoteResponse.From(note), ct);
    }

    public async Task<Outcome<Page<QuestionResponse>>> QuestionsAsync(Caller caller, string workOrderId, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var questions = await db.Questions.AsNoTracking().Where(q => q.WorkOrderId == w.Id).OrderBy(q => q.Id).ToListAsync(ct);
        return new Page<QuestionResponse>([.. questions.Select(QuestionResponse.From)], null);
    }

    /// <summary>A question raises no event (the spec has none); its answer does.</summary>
    public async Task<Outcome<QuestionResponse>> AddQuestionAsync(Caller caller, string workOrderId, QuestionRequest request, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var v = new Validator();
        var text = v.Text("question", request.Question, 2000, required: true);
        if (v.Failed) return v.Refusal();
        var question = new Question { WorkOrderId = w.Id, CompanyId = w.CompanyId, Text = text!, CreatedAt = Formats.Now(clock) };
        db.Questions.Add(question);
        await db.SaveChangesAsync(ct);
        return QuestionResponse.From(question);
    }

    public Task<Outcome<QuestionResponse>> AnswerAsync(Caller caller, string workOrderId, string questionId, AnswerRequest request, CancellationToken ct) =>
        db.ReadModifyWriteAsync<QuestionResponse>(async () =>
        {
            var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
            if (w is null || !Formats.TryParseId(questionId, out var id)) return Refusal.NotFound("question");
            var question = await db.Questions.FirstOrDefaultAsync(q => q.Id == id && q.WorkOrderId == w.Id, ct);
            if (question is null) return Refusal.NotFound("question");
            var v = new Validator();
            var answer = v.Text("answer", request.Answer, 10_000, required: true);
            if (v.Failed) return v.Refusal();
            question.Answer = answer;
            question.AnsweredBy = caller.Name;
            question.AnsweredAt = Formats.Now(clock);
            var body = QuestionResponse.From(question);
            await outbox.AddAsync<Events.WorkOrderQuestionAnswered>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return body;
        }, ct);

    public async Task<Outcome<Page<TaskResponse>>> TasksAsync(Caller caller, string workOrderId, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.WorkOrderId == w.Id).OrderBy(t => t.Id).ToListAsync(ct);
        return new Page<TaskResponse>([.. tasks.Select(TaskResponse.From)], null);
    }

    public async Task<Outcome<TaskResponse>> AddTaskAsync(Caller caller, string workOrderId, TaskRequest request, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NoWorkOrder;
        var now = Formats.Now(clock);
        var task = new WorkTask { WorkOrderId = w.Id, CompanyId = w.CompanyId, Title = "", CreatedAt = now, UpdatedAt = now };
        var v = new Validator();
        ApplyTask(task, request, v, required: true, now);
        if (v.Failed) return v.Refusal();
        db.Tasks.Add(task);
        return await outbox.SaveCreatedAsync<Events.WorkOrderTaskAdded, TaskResponse>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), () => TaskResponse.From(task), ct);
    }

    private static async Task<WorkTask?> FindTaskAsync(WorkOrderKey w, string taskId, TechLinkDbContext db, CancellationToken ct) =>
        Formats.TryParseId(taskId, out var id) ? await db.Tasks.FirstOrDefaultAsync(t => t.Id == id && t.WorkOrderId == w.Id, ct) : null;

    public Task<Outcome<TaskResponse>> UpdateTaskAsync(Caller caller, string workOrderId, string taskId, TaskRequest request, CancellationToken ct) =>
        db.ReadModifyWriteAsync<TaskResponse>(async () =>
        {
            var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
            var task = w is null ? null : await FindTaskAsync(w, taskId, db, ct);
            if (w is null || task is null) return Refusal.NotFound("task");
            var v = new Validator();
            var now = Formats.Now(clock);
            ApplyTask(task, request, v, required: false, now);
            if (v.Failed) return v.Refusal();
            task.UpdatedAt = now;
            var body = TaskResponse.From(task);
            await outbox.AddAsync<Events.WorkOrderTaskUpdated>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return body;
        }, ct);

    /// <summary>
    /// Answers the task as it was. Of several deletes of one task at once, one deletes it (one event); the others find
    /// it gone: 404.
    /// </summary>
    public Task<Outcome<TaskResponse>> DeleteTaskAsync(Caller caller, string workOrderId, string taskId, CancellationToken ct) =>
        db.ReadModifyWriteAsync<TaskResponse>(async () =>
        {
            var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
            var task = w is null ? null : await FindTaskAsync(w, taskId, db, ct);
            if (w is null || task is null) return Refusal.NotFound("task");
            db.Tasks.Remove(task);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderTaskDeleted { WorkOrderId = Formats.Id(w.Id), TaskId = Formats.Id(task.Id) }, ct);
            return TaskResponse.From(task);
        }, ct);

    private static void ApplyTask(WorkTask task, TaskRequest r, Validator v, bool required, DateTime now)
    {
        if (v.Text("title", r.Title, 300, required) is { } title)
        {
            if (title.Length == 0) v.Add("title", "'title' may not be empty.");
            task.Title = title;
        }

        if (v.Text("description", r.Description, 10_000) is { } description) task.Description = description;
        if (r.Due is not null)
        {
            if (r.Due.Length == 0) task.Due = null;
            else if (Formats.TryParseInstant(r.Due, out var due)) task.Due = due;
            else v.Add("due", "'due' must be an ISO 8601 instant such as 2026-12-01T17:00:00Z, or empty.");
        }

        if (v.OneOf("status", r.Status, WorkTask.Statuses) is { } status && status != task.Status)
        {
            task.Status = status;
            task.CompletedAt = status == "completed" ? now : null;
        }
    }
}
