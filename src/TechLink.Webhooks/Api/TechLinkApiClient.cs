using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace TechLink.Webhooks;

/// <summary>
/// A typed client for the TechLink REST API (<c>/api/v1</c>). Register it with
/// <see cref="TechLinkApiServiceCollectionExtensions.AddTechLinkApiClient"/>, or build one with <see cref="Create"/>.
/// Every failure answer throws <see cref="TechLinkApiException"/>.
/// </summary>
public sealed class TechLinkApiClient
{
    private readonly HttpClient _http;

    /// <summary>Wraps an <see cref="HttpClient"/> whose base address ends in <c>/api/v1/</c> and which adds the bearer key.</summary>
    public TechLinkApiClient(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
    }

    /// <summary>A client without dependency injection, e.g. for tools and scripts.</summary>
    /// <param name="baseAddress">Server address, e.g. <c>https://sandbox.techlinksvc.net/</c> (with or without <c>/api/v1</c>).</param>
    /// <param name="apiKey">The API key.</param>
    /// <param name="innerHandler">The transport; a new <see cref="SocketsHttpHandler"/> when null.</param>
    public static TechLinkApiClient Create(Uri baseAddress, string apiKey, HttpMessageHandler? innerHandler = null)
    {
        var options = new TechLinkApiOptions { BaseAddress = baseAddress, ApiKey = apiKey };
#pragma warning disable CA2000 // The handler chain belongs to the HttpClient, which the returned client owns and disposes.
        var handler = new ApiKeyHandler(options) { InnerHandler = innerHandler ?? new SocketsHttpHandler() };
        var http = new HttpClient(handler, disposeHandler: true);
#pragma warning restore CA2000
        options.Apply(http);
        return new TechLinkApiClient(http);
    }

    /// <summary><c>GET /workorders</c> with filters and paging.</summary>
    public Task<Page<WorkOrder>> ListWorkOrdersAsync(WorkOrderQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new WorkOrderQuery();
        return GetAsync<Page<WorkOrder>>(Url("workorders",
            ("status_code", query.StatusCode), ("site_id", query.SiteId),
            ("updated_since", query.UpdatedSince?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            ("limit", Int(query.Limit)), ("cursor", query.Cursor)), cancellationToken);
    }

    /// <summary>Every work order matching <paramref name="query"/>, following cursors.</summary>
    public IAsyncEnumerable<WorkOrder> ListAllWorkOrdersAsync(WorkOrderQuery? query = null, CancellationToken cancellationToken = default) =>
        AllPages(cursor => ListWorkOrdersAsync((query ?? new WorkOrderQuery()) with { Cursor = cursor }, cancellationToken), query?.Cursor, cancellationToken);

    /// <summary><c>GET /workorders/{id}</c>.</summary>
    public Task<WorkOrder> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken = default) =>
        GetAsync<WorkOrder>(Url($"workorders/{Esc(workOrderId)}"), cancellationToken);

    /// <summary><c>POST /workorders</c>: creates a work order (status 10 Created).</summary>
    public Task<WorkOrder> CreateWorkOrderAsync(CreateWorkOrderRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WorkOrder>(HttpMethod.Post, Url("workorders"), request, cancellationToken);

    /// <summary><c>PATCH /workorders/{id}</c>: changes the descriptive fields that are not null.</summary>
    public Task<WorkOrder> UpdateWorkOrderAsync(string workOrderId, UpdateWorkOrderRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WorkOrder>(HttpMethod.Patch, Url($"workorders/{Esc(workOrderId)}"), request, cancellationToken);

    /// <summary><c>GET /workorders/{id}/notes</c>.</summary>
    public Task<Page<WorkOrderNote>> ListNotesAsync(string workOrderId, PageOptions? page = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WorkOrderNote>>(Paged($"workorders/{Esc(workOrderId)}/notes", page), cancellationToken);

    /// <summary><c>POST /workorders/{id}/notes</c> <c>{content}</c>.</summary>
    public Task<WorkOrderNote> AddNoteAsync(string workOrderId, string content, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WorkOrderNote>(HttpMethod.Post, Url($"workorders/{Esc(workOrderId)}/notes"), new ContentBody(content), cancellationToken);

    /// <summary><c>GET /workorders/{id}/photos</c>.</summary>
    public Task<Page<WorkOrderPhoto>> ListPhotosAsync(string workOrderId, PageOptions? page = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WorkOrderPhoto>>(Paged($"workorders/{Esc(workOrderId)}/photos", page), cancellationToken);

    /// <summary><c>GET /workorders/{id}/photos/{photo_id}/raw</c>: the photo's bytes.</summary>
    public Task<TechLinkFile> GetPhotoRawAsync(string workOrderId, string photoId, CancellationToken cancellationToken = default) =>
        GetFileAsync(Url($"workorders/{Esc(workOrderId)}/photos/{Esc(photoId)}/raw"), cancellationToken);

    /// <summary><c>GET /workorders/{id}/closeout-documents</c>: completed close-out documents.</summary>
    public Task<Page<WorkOrderDocument>> ListCloseOutDocumentsAsync(string workOrderId, PageOptions? page = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WorkOrderDocument>>(Paged($"workorders/{Esc(workOrderId)}/closeout-documents", page), cancellationToken);

    /// <summary><c>GET /workorders/{id}/closeout-documents/{document_id}/raw</c>.</summary>
    public Task<TechLinkFile> GetCloseOutDocumentRawAsync(string workOrderId, string documentId, CancellationToken cancellationToken = default) =>
        GetFileAsync(Url($"workorders/{Esc(workOrderId)}/closeout-documents/{Esc(documentId)}/raw"), cancellationToken);

    /// <summary><c>GET /workorders/{id}/client-documents</c>.</summary>
    public Task<Page<WorkOrderDocument>> ListClientDocumentsAsync(string workOrderId, PageOptions? page = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WorkOrderDocument>>(Paged($"workorders/{Esc(workOrderId)}/client-documents", page), cancellationToken);

    /// <summary><c>GET /workorders/{id}/client-documents/{document_id}/raw</c>.</summary>
    public Task<TechLinkFile> GetClientDocumentRawAsync(string workOrderId, string documentId, CancellationToken cancellationToken = default) =>
        GetFileAsync(Url($"workorders/{Esc(workOrderId)}/client-documents/{Esc(documentId)}/raw"), cancellationToken);

    /// <summary>
    /// Downloads a time-limited <c>url</c> of a photo or document. The API key is sent only when the URL is on the
    /// API's own host, never to another one.
    /// </summary>
    public Task<TechLinkFile> DownloadAsync(string url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("Expected an absolute http(s) URL.", nameof(url));
        }

        return GetFileAsync(uri, cancellationToken);
    }

    /// <summary><c>GET /workorders/{id}/tasks</c>.</summary>
    public Task<Page<WorkOrderTask>> ListTasksAsync(string workOrderId, PageOptions? page = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WorkOrderTask>>(Paged($"workorders/{Esc(workOrderId)}/tasks", page), cancellationToken);

    /// <summary><c>POST /workorders/{id}/tasks</c>.</summary>
    public Task<WorkOrderTask> AddTaskAsync(string workOrderId, CreateTaskRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WorkOrderTask>(HttpMethod.Post, Url($"workorders/{Esc(workOrderId)}/tasks"), request, cancellationToken);

    /// <summary><c>PATCH /workorders/{id}/tasks/{task_id}</c>.</summary>
    public Task<WorkOrderTask> UpdateTaskAsync(string workOrderId, string taskId, UpdateTaskRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WorkOrderTask>(HttpMethod.Patch, Url($"workorders/{Esc(workOrderId)}/tasks/{Esc(taskId)}"), request, cancellationToken);

    /// <summary><c>DELETE /workorders/{id}/tasks/{task_id}</c>.</summary>
    public async Task DeleteTaskAsync(string workOrderId, string taskId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync(Url($"workorders/{Esc(workOrderId)}/tasks/{Esc(taskId)}"), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary><c>GET /events</c>: one page of the company's event feed, oldest first.</summary>
    public Task<Page<FeedEvent>> ListEventsAsync(EventFeedQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new EventFeedQuery();
        return GetAsync<Page<FeedEvent>>(Url("events",
            ("since", query.Since), ("type", query.Type), ("workorder_id", query.WorkOrderId),
            ("limit", Int(query.Limit)), ("cursor", query.Cursor)), cancellationToken);
    }

    /// <summary>
    /// Catches up on the event feed: every event after <see cref="EventFeedQuery.Since"/>, following cursors until the
    /// feed is exhausted. Remember the last <see cref="FeedEvent.EventId"/> and pass it as <c>Since</c> next time.
    /// </summary>
    public IAsyncEnumerable<FeedEvent> ReadEventsAsync(EventFeedQuery? query = null, CancellationToken cancellationToken = default) =>
        AllPages(cursor => ListEventsAsync((query ?? new EventFeedQuery()) with { Cursor = cursor }, cancellationToken), query?.Cursor, cancellationToken);

    /// <summary><c>POST /companies/{company_id}/api-keys</c> <c>{name}</c> (staff only): a new client key, shown once.</summary>
    public Task<CreatedApiKey> CreateApiKeyAsync(string companyId, string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<CreatedApiKey>(HttpMethod.Post, Url($"companies/{Esc(companyId)}/api-keys"), new NameBody(name), cancellationToken);

    /// <summary><c>GET /companies/{company_id}/api-keys</c> (staff only).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(string companyId, CancellationToken cancellationToken = default)
    {
        var json = await GetAsync<JsonElement>(Url($"companies/{Esc(companyId)}/api-keys"), cancellationToken);
        var items = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("items", out var i) ? i : json;
        return items.Deserialize<List<ApiKey>>(TechLinkJson.Options) ?? [];
    }

    /// <summary><c>DELETE /companies/{company_id}/api-keys/{api_key_id}</c> (staff only).</summary>
    public async Task RevokeApiKeyAsync(string companyId, string apiKeyId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync(Url($"companies/{Esc(companyId)}/api-keys/{Esc(apiKeyId)}"), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>
    /// <c>POST /webhooks/{webhook_id}/replay</c>: queues a new attempt series for the registration's failed deliveries
    /// created in the range (or, with <see cref="WebhookReplayRequest.OnlyFailed"/> false, for every matching event).
    /// </summary>
    public Task<WebhookReplayStarted> StartReplayAsync(string webhookId, WebhookReplayRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<WebhookReplayStarted>(HttpMethod.Post, Url($"webhooks/{Esc(webhookId)}/replay"), request, cancellationToken);

    /// <summary><c>GET /webhooks/replays/{replay_id}</c>: how many of a replay's deliveries are pending, succeeded or failed.</summary>
    public Task<WebhookReplayProgress> GetReplayAsync(string replayId, CancellationToken cancellationToken = default) =>
        GetAsync<WebhookReplayProgress>(Url($"webhooks/replays/{Esc(replayId)}"), cancellationToken);

    private static async IAsyncEnumerable<T> AllPages<T>(Func<string?, Task<Page<T>>> fetch, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await fetch(cursor);
            foreach (var item in page.Items) yield return item;
            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));
    }

    private async Task<T> GetAsync<T>(Uri url, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, Uri url, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body, body.GetType(), options: TechLinkJson.Options) };
        using var response = await _http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<TechLinkFile> GetFileAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var disposition = response.Content.Headers.ContentDisposition;
        return new TechLinkFile(bytes, response.Content.Headers.ContentType?.MediaType, (disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"'));
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(TechLinkJson.Options, cancellationToken)
            ?? throw new TechLinkApiException($"TechLink API answered {(int)response.StatusCode} with an empty body.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? type = null, title = null, detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                type = Text(root, "type");
                title = Text(root, "title");
                detail = Text(root, "detail");
                if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? [.. field.Value.EnumerateArray().Select(v => v.ToString())]
                            : [field.Value.ToString()];
                    }
                }
            }
        }
        catch (JsonException)
        {
            detail = body.Length > 500 ? body[..500] : body;
        }

        throw new TechLinkApiException(response.StatusCode, type, title ?? response.ReasonPhrase, string.IsNullOrEmpty(detail) ? null : detail, errors, body);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Uri Paged(string path, PageOptions? page) => Url(path, ("limit", Int(page?.Limit)), ("cursor", page?.Cursor));

    private static Uri Url(string path, params (string Name, string? Value)[] query)
    {
        var builder = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in query)
        {
            if (string.IsNullOrEmpty(value)) continue;
            builder.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return new Uri(builder.ToString(), UriKind.Relative);
    }

    private static string? Int(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string segment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(segment);
        return Uri.EscapeDataString(segment);
    }
}
