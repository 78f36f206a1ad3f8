using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>An event of the feed, its payload in canonical JSON (so it compares with what a receiver got).</summary>
public sealed record FeedEvent(long EventId, string CompanyId, string Type, string Payload);

/// <summary>The product's real API, called with the staff key, which may act on every company.</summary>
public static class StaffApi
{
    public static string Canonical(string json) => JsonNode.Parse(json)!.ToJsonString();

    private static async Task<JsonElement> SendAsync(Task<HttpResponseMessage> request, HttpStatusCode expected)
    {
        using var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Str(this JsonElement e, string property) =>
        e.GetProperty(property).GetString() ?? throw new InvalidOperationException($"'{property}' is null in {e}");

    public static async Task<string> CreateCompanyAsync(this HttpClient staff, string name) =>
        (await SendAsync(staff.PostAsJsonAsync("/api/v1/companies", new { name }), HttpStatusCode.Created)).Str("company_id");

    /// <summary>Registers <paramref name="url"/> for every event of the company; answers the registration id.</summary>
    public static async Task<long> RegisterAnyWebhooksAsync(this HttpClient staff, string companyId, Uri url) =>
        long.Parse((await SendAsync(staff.PostAsJsonAsync("/api/v1/webhooks", new { company_id = companyId, type = "(any webhooks)", url = url.ToString() }), HttpStatusCode.Created)).Str("webhook_id"),
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A site and a work order of the company; answers the work order id.</summary>
    public static async Task<string> CreateWorkOrderAsync(this HttpClient staff, string companyId)
    {
        var site = await SendAsync(staff.PostAsJsonAsync("/api/v1/sites", new { company_id = companyId, name = "Site", timezone = "America/Los_Angeles" }), HttpStatusCode.Created);
        var wo = await SendAsync(staff.PostAsJsonAsync("/api/v1/workorders", new { site_id = site.Str("site_id"), title = "faults" }), HttpStatusCode.Created);
        return wo.Str("workorder_id");
    }

    public static Task<HttpResponseMessage> PostNoteAsync(this HttpClient staff, string workOrderId, string content, CancellationToken cancellationToken = default) =>
        staff.PostAsJsonAsync($"/api/v1/workorders/{workOrderId}/notes", new { content }, cancellationToken);

    /// <summary>Every event of every company, oldest first.</summary>
    public static async Task<IReadOnlyList<FeedEvent>> ReadFeedAsync(this HttpClient staff)
    {
        var feed = new List<FeedEvent>();
        string? cursor = null;
        do
        {
            var page = await SendAsync(staff.GetAsync("/api/v1/events?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor)), HttpStatusCode.OK);
            foreach (var e in page.GetProperty("items").EnumerateArray())
            {
                feed.Add(new FeedEvent(
                    long.Parse(e.Str("event_id"), System.Globalization.CultureInfo.InvariantCulture),
                    e.Str("company_id"),
                    e.Str("type"),
                    Canonical(e.GetProperty("payload").GetRawText())));
            }

            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return feed;
    }
}
