using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// A work order's photos, close-out documents and client documents: list, the stored file itself, and an upload (the
/// bytes stored, the row and its event committed together; bytes whose row did not commit are deleted again).
/// </summary>
public sealed class WorkOrderFileService(TechLinkDbContext db, FileStore files, EventOutbox outbox, TimeProvider clock, IOptions<TechLinkOptions> options)
{
    private static readonly string[] PhotoTypes = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"];

    private static readonly string[] DocumentTypes =
    [
        "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "text/plain", "text/csv",
        "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip",
    ];

    /// <summary>The largest file an upload may carry.</summary>
    public long MaxUploadBytes => options.Value.Files.MaxUploadBytes;

    public Task<Outcome<Page<PhotoResponse>>> PhotosAsync(Caller caller, string workOrderId, CancellationToken ct) =>
        ListAsync(caller, workOrderId, FileKind.Photo, f => PhotoResponse.From(f, files), ct);

    /// <summary>Close-out or client documents (<paramref name="kind"/>).</summary>
    public Task<Outcome<Page<DocumentResponse>>> DocumentsAsync(Caller caller, string workOrderId, FileKind kind, CancellationToken ct) =>
        ListAsync(caller, workOrderId, kind, f => DocumentResponse.From(f, files), ct);

    private async Task<Outcome<Page<T>>> ListAsync<T>(Caller caller, string workOrderId, FileKind kind, Func<WorkOrderFile, T> map, CancellationToken ct)
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return Refusal.NotFound("work order");
        var rows = await db.Files.AsNoTracking().Where(f => f.WorkOrderId == w.Id && f.Kind == kind).OrderBy(f => f.Id).ToListAsync(ct);
        return new Page<T>([.. rows.Select(map)], null);
    }

    /// <summary>The row of a stored file whose bytes are there, to be served; a missing one (row or bytes) is not found.</summary>
    public async Task<Outcome<WorkOrderFile>> StoredAsync(Caller caller, string workOrderId, string fileId, FileKind kind, CancellationToken ct)
    {
        var notFound = Refusal.NotFound(kind == FileKind.Photo ? "photo" : "document");
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null || !Formats.TryParseId(fileId, out var id)) return notFound;
        var file = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id && f.WorkOrderId == w.Id && f.Kind == kind, ct);
        return file is null || !files.Exists(file) ? notFound : file;
    }

    public Task<Outcome<PhotoResponse>> UploadPhotoAsync(Caller caller, string workOrderId, ReadUpload read, CancellationToken ct) =>
        UploadAsync(caller, workOrderId, FileKind.Photo, read, f => PhotoResponse.From(f, files), ct);

    /// <summary>A close-out or client document (<paramref name="kind"/>).</summary>
    public Task<Outcome<DocumentResponse>> UploadDocumentAsync(Caller caller, string workOrderId, FileKind kind, ReadUpload read, CancellationToken ct) =>
        UploadAsync(caller, workOrderId, kind, read, f => DocumentResponse.From(f, files), ct);

    /// <summary>
    /// The work order is found first (404 before anything of the body is read), then <paramref name="read"/> reads the
    /// upload (415, 413 and 400 of the transport are its own), then the file is checked, stored and committed.
    /// </summary>
    private async Task<Outcome<T>> UploadAsync<T>(Caller caller, string workOrderId, FileKind kind, ReadUpload read, Func<WorkOrderFile, T> map, CancellationToken ct)
        where T : notnull
    {
        var w = await WorkOrderService.FindKeyAsync(workOrderId, db, ct);
        if (w is null) return Refusal.NotFound("work order");
        var max = MaxUploadBytes;
        var received = await read(max, ct);
        if (!received.Succeeded) return received.Refusal!;
        var upload = received.Value;
        if (upload.Length > max) return FileUpload.TooLarge(max);
        var allowed = kind == FileKind.Photo ? PhotoTypes : DocumentTypes;
        var contentType = upload.ContentType.Split(';')[0].Trim().ToLowerInvariant();
        if (!allowed.Contains(contentType))
        {
            return Refusal.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                $"'{contentType}' is not accepted here; send one of: {string.Join(", ", allowed)}.");
        }

        var v = new Validator();
        var caption = v.Text("caption", upload.Caption, 500) ?? "";
        var fileName = Path.GetFileName(upload.FileName).Trim();
        if (fileName.Length is 0 or > 255) fileName = kind == FileKind.Photo ? "photo" : "document";
        if (v.Failed) return v.Refusal();

        string stored;
        await using (var stream = upload.OpenRead())
        {
            stored = await files.SaveAsync(w.CompanyId, stream, ct);
        }

        var row = new WorkOrderFile
        {
            WorkOrderId = w.Id, CompanyId = w.CompanyId, Kind = kind, FileName = fileName, ContentType = contentType, SizeBytes = upload.Length,
            Caption = caption, StoragePath = stored, CreatedAt = Formats.Now(clock),
        };
        try
        {
            db.Files.Add(row);
            var subject = EventSubject.WorkOrder(w.Id);
            Func<T> body = () => map(row);
            return await (kind switch
            {
                FileKind.Photo => outbox.SaveCreatedAsync<Events.WorkOrderPhotoAdded, T>(db, w.CompanyId, subject, body, ct),
                FileKind.CloseOutDocument => outbox.SaveCreatedAsync<Events.WorkOrderCloseOutDocumentAdded, T>(db, w.CompanyId, subject, body, ct),
                _ => outbox.SaveCreatedAsync<Events.WorkOrderClientDocumentAdded, T>(db, w.CompanyId, subject, body, ct),
            });
        }
        catch
        {
            // The row did not commit: the bytes must not linger unreferenced.
            files.Delete(stored);
            throw;
        }
    }
}

/// <summary>Reads an upload whose file may be at most the given size: the file and its caption, or why not.</summary>
public delegate Task<Outcome<FileUpload>> ReadUpload(long maxBytes, CancellationToken ct);

/// <summary>A file as received, before it is checked and stored (<paramref name="ContentType"/> as the sender named it).</summary>
public sealed record FileUpload(string FileName, string ContentType, long Length, Func<Stream> OpenRead, string? Caption)
{
    public static Refusal TooLarge(long max) =>
        Refusal.Of(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"Files may be at most {max} bytes.");
}
