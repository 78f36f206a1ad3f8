using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>A client company: its key's client (<see cref="Client"/>) and the staff client, with builders for its data.</summary>
public sealed record Tenant(TechLinkApp App, string CompanyId, string Key, HttpClient Client, HttpClient Staff)
{
    public static readonly byte[] PngBytes = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    public async Task<JsonElement> CreateSiteAsync(string timezone = "America/Los_Angeles", string? name = null) =>
        await Client.PostJsonAsync("/api/v1/sites", new
        {
            name = name ?? "Store " + Guid.NewGuid().ToString("N")[..6], site_number = "101", address1 = "1 Main Street", address2 = "",
            city = "Seattle", state = "WA", postal_code = "98101", country = "US", phone = "555-0100", contact_name = "Manager", timezone,
        }, HttpStatusCode.Created);

    public async Task<JsonElement> CreateWorkOrderAsync(string siteId, string title = "Install POS terminals") =>
        await Client.PostJsonAsync("/api/v1/workorders", new
        {
            site_id = siteId, client_reference = "PO-" + Random.Shared.Next(1000, 9999), title, description = "Install and test.", priority = "high",
        }, HttpStatusCode.Created);

    /// <summary>A site in Los Angeles and a work order on it; answers the work order id.</summary>
    public async Task<string> NewWorkOrderIdAsync()
    {
        var site = await CreateSiteAsync();
        var wo = await CreateWorkOrderAsync(site.Str("site_id"));
        return wo.Str("workorder_id");
    }

    public async Task<HttpResponseMessage> UploadAsync(HttpClient client, string path, byte[] bytes, string contentType, string fileName, string? caption = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        if (caption is not null) form.Add(new StringContent(caption), "caption");
        return await client.PostAsync(path, form);
    }

    /// <summary>The company's event feed after <paramref name="since"/>, oldest first, all pages.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync(string? since = null, string? query = null)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/events?limit=1000{(since is null ? "" : "&since=" + since)}{(query is null ? "" : "&" + query)}{(cursor is null ? "" : "&cursor=" + cursor)}";
            var page = await Client.GetJsonAsync(url);
            all.AddRange(page.Items());
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>The id of the newest event so far ("0" when none): later events are "since" it.</summary>
    public async Task<string> LastEventIdAsync() => (await EventsAsync()).LastOrDefault() is { ValueKind: JsonValueKind.Object } e ? e.Str("event_id") : "0";

    public async Task<JsonElement> CreateWebhookAsync(string type, Uri url, string? token = null, bool? enabled = null) =>
        await Client.PostJsonAsync("/api/v1/webhooks", new { type, url = url.ToString(), token, enabled }, HttpStatusCode.Created);

    public async Task<IReadOnlyList<JsonElement>> DeliveriesAsync(string query = "") =>
        (await Client.GetJsonAsync("/api/v1/webhooks/deliveries?limit=1000" + (query.Length > 0 ? "&" + query : ""))).Items();
}
