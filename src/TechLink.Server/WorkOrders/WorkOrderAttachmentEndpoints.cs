using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using TechLink.Server.Data;
using TechLink.Server.Webhooks;
using TechLink.Server.Infrastructure;
using Events = TechLink.Webhooks;

namespace TechLink.Server.WorkOrders;

/// <summary>Notes, photos, close-out questions and documents, client documents and tasks of one work order.</summary>
public static class WorkOrderAttachmentEndpoints
{
    private static readonly string[] PhotoTypes = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"];

    private static readonly string[] DocumentTypes =
    [
        "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "text/plain", "text/csv",
        "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip",
    ];

    internal static RouteGroupBuilder MapWorkOrderAttachments(this RouteGroupBuilder group)
    {
        group.MapGet("/{workorder_id}/notes", ListNotesAsync).WithSummary("Get Work Order Notes").Produces<Page<NoteResponse>>();
        group.MapPost("/{workorder_id}/notes", AddNoteAsync).Produces<NoteResponse>(StatusCodes.Status201Created).RequiresFields("content");

        group.MapGet("/{workorder_id}/photos", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            ListFilesAsync(workorder_id, FileKind.Photo, f => PhotoResponse.From(f, files), http, db, ct)).WithSummary("Get Work Order Photos").Produces<Page<PhotoResponse>>();
        group.MapPost("/{workorder_id}/photos", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, EventOutbox outbox, TimeProvider clock, IOptions<TechLinkOptions> options, CancellationToken ct) =>
            UploadAsync(workorder_id, FileKind.Photo, http, db, files, outbox, clock, options.Value, ct)).DescribedAsUpload().RequireAuthorization(Policies.Staff).Produces<PhotoResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/photos/{photo_id}/raw", (string workorder_id, string photo_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, photo_id, FileKind.Photo, http, db, files, ct)).ProducesFile().WithSummary("Get (Raw) Work Order Photo");

        group.MapGet("/{workorder_id}/closeout-documents", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            ListFilesAsync(workorder_id, FileKind.CloseOutDocument, f => DocumentResponse.From(f, files), http, db, ct)).WithSummary("Get Completed Work Order Close-Out Documents").Produces<Page<DocumentResponse>>();
        group.MapPost("/{workorder_id}/closeout-documents", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, EventOutbox outbox, TimeProvider clock, IOptions<TechLinkOptions> options, CancellationToken ct) =>
            UploadAsync(workorder_id, FileKind.CloseOutDocument, http, db, files, outbox, clock, options.Value, ct)).DescribedAsUpload().RequireAuthorization(Policies.Staff).Produces<DocumentResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/closeout-documents/{document_id}/raw", (string workorder_id, string document_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, document_id, FileKind.CloseOutDocument, http, db, files, ct)).ProducesFile().WithSummary("Get (Raw) Completed Work Order Close-Out Document");

        group.MapGet("/{workorder_id}/client-documents", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            ListFilesAsync(workorder_id, FileKind.ClientDocument, f => DocumentResponse.From(f, files), http, db, ct)).WithSummary("Get Work Order Client Documents").Produces<Page<DocumentResponse>>();
        group.MapPost("/{workorder_id}/client-documents", (string workorder_id, HttpContext http, TechLinkDbContext db, FileStore files, EventOutbox outbox, TimeProvider clock, IOptions<TechLinkOptions> options, CancellationToken ct) =>
            UploadAsync(workorder_id, FileKind.ClientDocument, http, db, files, outbox, clock, options.Value, ct)).DescribedAsUpload().Produces<DocumentResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/client-documents/{document_id}/raw", (string workorder_id, string document_id, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, document_id, FileKind.ClientDocument, http, db, files, ct)).ProducesFile().WithSummary("Get (Raw) Work Order Client Document");

        group.MapGet("/{workorder_id}/questions", ListQuestionsAsync).WithSummary("Get Work Order Close-Out Questions").Produces<Page<QuestionResponse>>();
        group.MapPost("/{workorder_id}/questions", AddQuestionAsync).RequireAuthorization(Policies.Staff).Produces<QuestionResponse>(StatusCodes.Status201Created).RequiresFields("question");
        group.MapPut("/{workorder_id}/questions/{question_id}/answer", AnswerAsync).RequireAuthorization(Policies.Staff).Produces<QuestionResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("answer");

        group.MapGet("/{workorder_id}/tasks", ListTasksAsync).WithSummary("Get Work Order Tasks").Produces<Page<TaskResponse>>();
        group.MapPost("/{workorder_id}/tasks", AddTaskAsync).Produces<TaskResponse>(StatusCodes.Status201Created).RequiresFields("title");
        group.MapPatch("/{workorder_id}/tasks/{task_id}", UpdateTaskAsync).Produces<TaskResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{workorder_id}/tasks/{task_id}", DeleteTaskAsync).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    internal static async Task<IResult> ListNotesAsync(string workorder_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var notes = await db.Notes.AsNoTracking().Where(n => n.WorkOrderId == w.Id).OrderBy(n => n.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<NoteResponse>([.. notes.Select(NoteResponse.From)], null));
    }

    internal static async Task<IResult> AddNoteAsync(string workorder_id, NoteRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var v = new Validator();
        v.Text("content", request.Content, 100_000, required: true);
        if (v.Failed) return v.Problem();
        var note = new Note { WorkOrderId = w.Id, CompanyId = w.CompanyId, Content = request.Content!, Author = Caller.From(http.User).Name, CreatedAt = Formats.Now(clock) };
        return await db.InTransactionAsync<IResult>(async () =>
        {
            db.Notes.Add(note);
            await db.SaveChangesAsync(ct);
            var body = NoteResponse.From(note);
            await outbox.AddAsync<Events.WorkOrderNoteAdded>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return TypedResults.Created($"/api/v1/workorders/{w.Id}/notes/{note.Id}", body);
        }, ct);
    }

    internal static async Task<IResult> ListFilesAsync<T>(string workorderId, FileKind kind, Func<WorkOrderFile, T> map, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorderId, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var files = await db.Files.AsNoTracking().Where(f => f.WorkOrderId == w.Id && f.Kind == kind).OrderBy(f => f.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<T>([.. files.Select(map)], null));
    }

    internal static async Task<IResult> RawAsync(string workorderId, string fileId, FileKind kind, HttpContext http, TechLinkDbContext db, FileStore files, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorderId, http, db, ct);
        if (w is null || !Formats.TryParseId(fileId, out var id)) return Problems.NotFound(kind == FileKind.Photo ? "photo" : "document");
        var file = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id && f.WorkOrderId == w.Id && f.Kind == kind, ct);
        if (file is null || !files.Exists(file)) return Problems.NotFound(kind == FileKind.Photo ? "photo" : "document");
        return files.Serve(file);
    }

    internal static async Task<IResult> UploadAsync(string workorderId, FileKind kind, HttpContext http, TechLinkDbContext db, FileStore files,
        EventOutbox outbox, TimeProvider clock, TechLinkOptions options, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorderId, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        if (!http.Request.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: 415, title: "Unsupported Media Type", detail: "Send multipart/form-data with a 'file' part.");
        }

        var max = options.Files.MaxUploadBytes;
        var bodyLimit = max + FormOverhead;
        if (http.Request.ContentLength > bodyLimit) return TooLarge(max);
        // A body without Content-Length (chunked) is cut off at the same limit rather than buffered up to the framework's 128 MB.
        // The portal's antiforgery check has read the form already (its body is consumed then): that form is the upload.
        if (http.Features.Get<IFormFeature>() is not { Form: not null })
        {
            // The whole body is counted (LimitedBody), so the multipart reader's own per-section limit never decides.
            http.Request.Body = new LimitedBody(http.Request.Body, bodyLimit);
            http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = long.MaxValue }));
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (RequestBodyTooLargeException)
        {
            return TooLarge(max);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && !ct.IsCancellationRequested))
        {
            // A body that ends before its closing boundary, or that is not multipart at all, is the client's mistake.
            return Problems.Validation("file", "The body is not valid multipart/form-data; send a 'file' part (and optionally 'caption').");
        }

        var upload = form.Files.GetFile("file");
        if (upload is null || upload.Length == 0) return Problems.Validation("file", "A non-empty 'file' part is required.");
        if (upload.Length > max) return TooLarge(max);
        var allowed = kind == FileKind.Photo ? PhotoTypes : DocumentTypes;
        var contentType = (upload.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (!allowed.Contains(contentType))
        {
            return TypedResults.Problem(statusCode: 415, title: "Unsupported Media Type",
                detail: $"'{contentType}' is not accepted here; send one of: {string.Join(", ", allowed)}.");
        }

        var v = new Validator();
        var caption = v.Text("caption", form["caption"].FirstOrDefault(), 500) ?? "";
        var fileName = Path.GetFileName(upload.FileName ?? "").Trim();
        if (fileName.Length is 0 or > 255) fileName = kind == FileKind.Photo ? "photo" : "document";
        if (v.Failed) return v.Problem();

        await using var stream = upload.OpenReadStream();
        var stored = await files.SaveAsync(w.CompanyId, stream, ct);
        var row = new WorkOrderFile
        {
            WorkOrderId = w.Id, CompanyId = w.CompanyId, Kind = kind, FileName = fileName, ContentType = contentType, SizeBytes = upload.Length,
            Caption = caption, StoragePath = stored, CreatedAt = Formats.Now(clock),
        };
        try
        {
            return await db.InTransactionAsync<IResult>(async () =>
            {
                db.Files.Add(row);
                await db.SaveChangesAsync(ct);
                var (body, path) = kind switch
                {
                    FileKind.Photo => ((object)PhotoResponse.From(row, files), "photos"),
                    FileKind.CloseOutDocument => (DocumentResponse.From(row, files), "closeout-documents"),
                    _ => (DocumentResponse.From(row, files), "client-documents"),
                };
                var subject = EventSubject.WorkOrder(w.Id);
                await (kind switch
                {
                    FileKind.Photo => outbox.AddAsync<Events.WorkOrderPhotoAdded>(db, w.CompanyId, subject, body, ct),
                    FileKind.CloseOutDocument => outbox.AddAsync<Events.WorkOrderCloseOutDocumentAdded>(db, w.CompanyId, subject, body, ct),
                    _ => outbox.AddAsync<Events.WorkOrderClientDocumentAdded>(db, w.CompanyId, subject, body, ct),
                });
                return TypedResults.Created($"/api/v1/workorders/{w.Id}/{path}/{row.Id}", body);
            }, ct);
        }
        catch
        {
            // The row did not commit: the bytes must not linger unreferenced.
            files.Delete(stored);
            throw;
        }
    }

    /// <summary>
    /// Documents the multipart body (<c>file</c>, <c>caption</c>) in the OpenAPI document. Not <c>Accepts(...)</c>: that
    /// metadata lets routing answer 415 before authentication, and a caller without a key must get 401 first.
    /// </summary>
    private static RouteHandlerBuilder DescribedAsUpload(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "file" },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                ["caption"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 500 },
                            },
                        },
                    },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>Room for the multipart boundaries, part headers and caption around the file itself.</summary>
    private const long FormOverhead = 64 * 1024;

    private static IResult TooLarge(long max) =>
        TypedResults.Problem(statusCode: 413, title: "Payload Too Large", detail: $"Files may be at most {max} bytes.");

    internal static async Task<IResult> ListQuestionsAsync(string workorder_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var questions = await db.Questions.AsNoTracking().Where(q => q.WorkOrderId == w.Id).OrderBy(q => q.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<QuestionResponse>([.. questions.Select(QuestionResponse.From)], null));
    }

    internal static async Task<IResult> AddQuestionAsync(string workorder_id, QuestionRequest request, HttpContext http, TechLinkDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var v = new Validator();
        var text = v.Text("question", request.Question, 2000, required: true);
        if (v.Failed) return v.Problem();
        var question = new Question { WorkOrderId = w.Id, CompanyId = w.CompanyId, Text = text!, CreatedAt = Formats.Now(clock) };
        db.Questions.Add(question);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workorders/{w.Id}/questions/{question.Id}", QuestionResponse.From(question));
    }

    internal static Task<IResult> AnswerAsync(string workorder_id, string question_id, AnswerRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
            if (w is null || !Formats.TryParseId(question_id, out var id)) return Problems.NotFound("question");
            var question = await db.Questions.FirstOrDefaultAsync(q => q.Id == id && q.WorkOrderId == w.Id, ct);
            if (question is null) return Problems.NotFound("question");
            var v = new Validator();
            var answer = v.Text("answer", request.Answer, 10_000, required: true);
            if (v.Failed) return v.Problem();
            question.Answer = answer;
            question.AnsweredBy = Caller.From(http.User).Name;
            question.AnsweredAt = Formats.Now(clock);
            var body = QuestionResponse.From(question);
            await outbox.AddAsync<Events.WorkOrderQuestionAnswered>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return TypedResults.Ok(body);
        }, ct);

    internal static async Task<IResult> ListTasksAsync(string workorder_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var tasks = await db.Tasks.AsNoTracking().Where(t => t.WorkOrderId == w.Id).OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<TaskResponse>([.. tasks.Select(TaskResponse.From)], null));
    }

    internal static async Task<IResult> AddTaskAsync(string workorder_id, TaskRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var now = Formats.Now(clock);
        var task = new WorkTask { WorkOrderId = w.Id, CompanyId = w.CompanyId, Title = "", CreatedAt = now, UpdatedAt = now };
        var v = new Validator();
        ApplyTask(task, request, v, required: true, now);
        if (v.Failed) return v.Problem();
        return await db.InTransactionAsync<IResult>(async () =>
        {
            db.Tasks.Add(task);
            await db.SaveChangesAsync(ct);
            var body = TaskResponse.From(task);
            await outbox.AddAsync<Events.WorkOrderTaskAdded>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return TypedResults.Created($"/api/v1/workorders/{w.Id}/tasks/{task.Id}", body);
        }, ct);
    }

    private static async Task<WorkTask?> FindTaskAsync(WorkOrder w, string taskId, TechLinkDbContext db, CancellationToken ct) =>
        Formats.TryParseId(taskId, out var id) ? await db.Tasks.FirstOrDefaultAsync(t => t.Id == id && t.WorkOrderId == w.Id, ct) : null;

    internal static Task<IResult> UpdateTaskAsync(string workorder_id, string task_id, TaskRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
            var task = w is null ? null : await FindTaskAsync(w, task_id, db, ct);
            if (w is null || task is null) return Problems.NotFound("task");
            var v = new Validator();
            var now = Formats.Now(clock);
            ApplyTask(task, request, v, required: false, now);
            if (v.Failed) return v.Problem();
            task.UpdatedAt = now;
            var body = TaskResponse.From(task);
            await outbox.AddAsync<Events.WorkOrderTaskUpdated>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return TypedResults.Ok(body);
        }, ct);

    /// <summary>Of several deletes of one task at once, one deletes it (one event); the others find it gone: 404.</summary>
    internal static Task<IResult> DeleteTaskAsync(string workorder_id, string task_id, HttpContext http, TechLinkDbContext db, EventOutbox outbox, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await WorkOrderEndpoints.FindAsync(workorder_id, http, db, ct);
            var task = w is null ? null : await FindTaskAsync(w, task_id, db, ct);
            if (w is null || task is null) return Problems.NotFound("task");
            db.Tasks.Remove(task);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderTaskDeleted { WorkOrderId = Formats.Id(w.Id), TaskId = Formats.Id(task.Id) }, ct);
            return TypedResults.NoContent();
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
