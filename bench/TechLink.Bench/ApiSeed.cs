using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Webhooks;

namespace TechLink.Bench;

/// <summary>The data the API rows post notes to, made through the real API: a company, a site, a work order and one registration for every event.</summary>
internal static class ApiSeed
{
    /// <summary>Creates the company, site, work order and registration (to <paramref name="receiverUrl"/>); answers the work order's id.</summary>
    public static async Task<string> WorkOrderWithWebhookAsync(HttpClient http, string name, string receiverUrl)
    {
        var company = await PostForIdAsync(http, "companies", new { name }, "company_id");
        var site = await PostForIdAsync(http, "sites", new
        {
            company_id = company, name = "Site", site_number = "B-1", address1 = "1 Main St", address2 = "", city = "Portland", state = "OR",
            postal_code = "97201", country = "US", phone = "555-0100", contact_name = "Bench", timezone = "America/Los_Angeles",
        }, "site_id");
        var workOrder = await PostForIdAsync(http, "workorders", new { site_id = site, client_reference = "B-1", title = "Bench", description = "Bench", priority = "normal" }, "workorder_id");
        await PostForIdAsync(http, "webhooks", new { company_id = company, type = EventCatalog.Any, url = receiverUrl }, "webhook_id");
        return workOrder;
    }

    private static async Task<string> PostForIdAsync(HttpClient http, string path, object body, string idName)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty(idName).GetString()!;
    }
}
