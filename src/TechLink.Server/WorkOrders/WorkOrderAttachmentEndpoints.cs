using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// Notes, photos, close-out questions and documents, client documents and tasks of one work order: each handler maps what
/// <see cref="WorkOrderAttachmentService"/> or <see cref="WorkOrderFileService"/> answers to the route's typed results.
/// </summary>
public static class WorkOrderAttachmentEndpoints
{
    internal static RouteGroupBuilder MapWorkOrderAttachments(this RouteGroupBuilder group)
    {
        group.MapGet("/{workorder_id}/notes", ListNotesAsync).WithSummary("Get Work Order Notes");
        group.MapPost("/{workorder_id}/notes", AddNoteAsync).RequiresFields("content");

        group.MapGet("/{workorder_id}/photos", ListPhotosAsync).WithSummary("Get Work Order Photos");
        group.MapPost("/{workorder_id}/photos", UploadPhotoAsync).DescribedAsUpload().RequireAuthorization(Policies.Staff).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/photos/{photo_id}/raw", (string workorder_id, string photo_id, HttpContext http, WorkOrderFileService service, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, photo_id, FileKind.Photo, http, service, files, ct)).ProducesFile().WithSummary("Get (Raw) Work Order Photo");

        group.MapGet("/{workorder_id}/closeout-documents", (string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
            ListDocumentsAsync(workorder_id, FileKind.CloseOutDocument, http, service, ct)).WithSummary("Get Completed Work Order Close-Out Documents");
        group.MapPost("/{workorder_id}/closeout-documents", (string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
            UploadDocumentAsync(workorder_id, FileKind.CloseOutDocument, "closeout-documents", http, service, ct)).DescribedAsUpload().RequireAuthorization(Policies.Staff).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/closeout-documents/{document_id}/raw", (string workorder_id, string document_id, HttpContext http, WorkOrderFileService service, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, document_id, FileKind.CloseOutDocument, http, service, files, ct)).ProducesFile().WithSummary("Get (Raw) Completed Work Order Close-Out Document");

        group.MapGet("/{workorder_id}/client-documents", (string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
            ListDocumentsAsync(workorder_id, FileKind.ClientDocument, http, service, ct)).WithSummary("Get Work Order Client Documents");
        group.MapPost("/{workorder_id}/client-documents", (string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
            UploadDocumentAsync(workorder_id, FileKind.ClientDocument, "client-documents", http, service, ct)).DescribedAsUpload().ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{workorder_id}/client-documents/{document_id}/raw", (string workorder_id, string document_id, HttpContext http, WorkOrderFileService service, FileStore files, CancellationToken ct) =>
            RawAsync(workorder_id, document_id, FileKind.ClientDocument, http, service, files, ct)).ProducesFile().WithSummary("Get (Raw) Work Order Client Document");

        group.MapGet("/{workorder_id}/questions", ListQuestionsAsync).WithSummary("Get Work Order Close-Out Questions");
        group.MapPost("/{workorder_id}/questions", AddQuestionAsync).RequireAuthorization(Policies.Staff).RequiresFields("question");
        group.MapPut("/{workorder_id}/questions/{question_id}/answer", AnswerAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("answer");

        group.MapGet("/{workorder_id}/tasks", ListTasksAsync).WithSummary("Get Work Order Tasks");
        group.MapPost("/{workorder_id}/tasks", AddTaskAsync).RequiresFields("title");
        group.MapPatch("/{workorder_id}/tasks/{task_id}", UpdateTaskAsync).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{workorder_id}/tasks/{task_id}", DeleteTaskAsync).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Ok<Page<NoteResponse>>, ProblemHttpResult>> ListNotesAsync(string workorder_id, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.NotesAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<NoteResponse>, ProblemHttpResult>> AddNoteAsync(string workorder_id, NoteRequest request, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.AddNoteAsync(Caller.From(http.User), workorder_id, request, ct)).Map(n => TypedResults.Created($"/api/v1/workorders/{n.WorkorderId}/notes/{n.NoteId}", n));

    private static async Task<Results<Ok<Page<PhotoResponse>>, ProblemHttpResult>> ListPhotosAsync(string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
        (await service.PhotosAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<PhotoResponse>, ProblemHttpResult>> UploadPhotoAsync(string workorder_id, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
        (await service.UploadPhotoAsync(Caller.From(http.User), workorder_id, UploadForm.From(http), ct)).Map(p => TypedResults.Created($"/api/v1/workorders/{p.WorkorderId}/photos/{p.PhotoId}", p));

    private static async Task<Results<Ok<Page<DocumentResponse>>, ProblemHttpResult>> ListDocumentsAsync(string workorderId, FileKind kind, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
        (await service.DocumentsAsync(Caller.From(http.User), workorderId, kind, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<DocumentResponse>, ProblemHttpResult>> UploadDocumentAsync(string workorderId, FileKind kind, string path, HttpContext http, WorkOrderFileService service, CancellationToken ct) =>
        (await service.UploadDocumentAsync(Caller.From(http.User), workorderId, kind, UploadForm.From(http), ct)).Map(d => TypedResults.Created($"/api/v1/workorders/{d.WorkorderId}/{path}/{d.DocumentId}", d));

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> RawAsync(string workorderId, string fileId, FileKind kind, HttpContext http, WorkOrderFileService service, FileStore files, CancellationToken ct) =>
        (await service.StoredAsync(Caller.From(http.User), workorderId, fileId, kind, ct)).Map(files.Serve);

    private static async Task<Results<Ok<Page<QuestionResponse>>, ProblemHttpResult>> ListQuestionsAsync(string workorder_id, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.QuestionsAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<QuestionResponse>, ProblemHttpResult>> AddQuestionAsync(string workorder_id, QuestionRequest request, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.AddQuestionAsync(Caller.From(http.User), workorder_id, request, ct)).Map(q => TypedResults.Created($"/api/v1/workorders/{q.WorkorderId}/questions/{q.QuestionId}", q));

    private static async Task<Results<Ok<QuestionResponse>, ProblemHttpResult>> AnswerAsync(string workorder_id, string question_id, AnswerRequest request, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.AnswerAsync(Caller.From(http.User), workorder_id, question_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<Page<TaskResponse>>, ProblemHttpResult>> ListTasksAsync(string workorder_id, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.TasksAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<TaskResponse>, ProblemHttpResult>> AddTaskAsync(string workorder_id, TaskRequest request, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.AddTaskAsync(Caller.From(http.User), workorder_id, request, ct)).Map(t => TypedResults.Created($"/api/v1/workorders/{t.WorkorderId}/tasks/{t.TaskId}", t));

    private static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> UpdateTaskAsync(string workorder_id, string task_id, TaskRequest request, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.UpdateTaskAsync(Caller.From(http.User), workorder_id, task_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteTaskAsync(string workorder_id, string task_id, HttpContext http, WorkOrderAttachmentService attachments, CancellationToken ct) =>
        (await attachments.DeleteTaskAsync(Caller.From(http.User), workorder_id, task_id, ct)).Map(_ => TypedResults.NoContent());

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
}
