using Microsoft.AspNetCore.Http.Features;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// Reads an upload from a multipart/form-data request (the API's and the portal's alike): the <c>file</c> part and the
/// <c>caption</c>, with the body cut off at the size limit rather than buffered; the transport's refusals (415 not a
/// form, 413 too large, 400 not valid multipart or no file) are answered here, before the service looks at the file.
/// </summary>
internal static class UploadForm
{
    /// <summary>Room for the multipart boundaries, part headers and caption around the file itself.</summary>
    private const long FormOverhead = 64 * 1024;

    public static ReadUpload From(HttpContext http) => (max, ct) => ReadAsync(http, max, ct);

    private static async Task<Outcome<FileUpload>> ReadAsync(HttpContext http, long max, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return Refusal.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "Send multipart/form-data with a 'file' part.");
        }

        var bodyLimit = max + FormOverhead;
        if (http.Request.ContentLength > bodyLimit) return FileUpload.TooLarge(max);
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
            return FileUpload.TooLarge(max);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && !ct.IsCancellationRequested))
        {
            // A body that ends before its closing boundary, or that is not multipart at all, is the client's mistake.
            return Refusal.Validation("file", "The body is not valid multipart/form-data; send a 'file' part (and optionally 'caption').");
        }

        var upload = form.Files.GetFile("file");
        if (upload is null || upload.Length == 0) return Refusal.Validation("file", "A non-empty 'file' part is required.");
        return new FileUpload(upload.FileName ?? "", upload.ContentType ?? "", upload.Length, upload.OpenReadStream, form["caption"].FirstOrDefault());
    }
}
