using Microsoft.Extensions.Options;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Photos and documents on disk under DataPath/files, and the time-limited URLs that reach them without an
/// API key: a Data Protection token that names the file and expires (the spec: "the URL provided may be time-limited").
/// </summary>
public sealed class FileStore(IOptions<TechLinkOptions> options, FileUrlSigner signer, IHttpContextAccessor http)
{
    private string Root => Path.Combine(options.Value.FullDataPath, "files");

    public async Task<string> SaveAsync(long companyId, Stream content, CancellationToken cancellationToken)
    {
        var relative = Path.Combine(companyId.ToString(System.Globalization.CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N"));
        var full = Path.Combine(Root, relative);
        PrivateFiles.CreateDirectory(Root);
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(full)!);
        await using var file = PrivateFiles.Create(full);
        await content.CopyToAsync(file, cancellationToken);
        return relative;
    }

    public Stream OpenRead(WorkOrderFile file) => File.OpenRead(Path.Combine(Root, file.StoragePath));

    /// <summary>
    /// A stored file as an answer: shown in the browser only when it is an image type browsers render as a picture and
    /// nothing else (the type is the uploader's word, and nosniff holds the browser to it); every other type, HTML
    /// inside a "text/plain" or a PDF with script included, is a download.
    /// </summary>
    public Microsoft.AspNetCore.Http.HttpResults.FileStreamHttpResult Serve(WorkOrderFile file)
    {
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue(InlineTypes.Contains(file.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(file.FileName);
        http.HttpContext!.Response.Headers.ContentDisposition = disposition.ToString();
#pragma warning disable CA2000 // The stream result disposes the stream once the response is written.
        return TypedResults.Stream(OpenRead(file), file.ContentType);
#pragma warning restore CA2000
    }

    private static readonly string[] InlineTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    public bool Exists(WorkOrderFile file) => File.Exists(Path.Combine(Root, file.StoragePath));

    public void Delete(string relativePath)
    {
        var full = Path.Combine(Root, relativePath);
        if (File.Exists(full)) File.Delete(full);
    }

    /// <summary>A signed URL that works until the answer's <c>url_expires_at</c>.</summary>
    public (string Url, DateTime ExpiresAt) SignedUrl(WorkOrderFile file)
    {
        var (token, expires) = signer.Sign(file.Id);
        return ($"{BaseUrl()}{FileUrlSigner.PathSegment}{token}", expires);
    }

    /// <summary>The file id a URL token names, if it is genuine and not expired.</summary>
    public long? ReadToken(string token) => signer.Read(token);

    public string BaseUrl()
    {
        if (options.Value.PublicBaseUrl is { Length: > 0 } configured)
        {
            return configured.EndsWith('/') ? configured : configured + "/";
        }

        var request = http.HttpContext?.Request;
        return request is null ? "http://localhost/" : $"{request.Scheme}://{request.Host}{request.PathBase}/";
    }
}
