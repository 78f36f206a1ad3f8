using System.Net;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.EndToEnd;

/// <summary>Drives the API through one mutation of each kind, so that every one of the spec's 21 event types is written.</summary>
public static class EventScript
{
    /// <summary>Answers the event types the calls wrote, in order (some calls write two).</summary>
    public static async Task<IReadOnlyList<string>> RunAllAsync(Tenant t)
    {
        var events = new List<string>();
        var user = await t.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8], first_name = "Jane", last_name = "Doe", email = "jane@example.com", phone = "555" }, HttpStatusCode.Created);
        events.Add("account created");
        await t.Client.PatchJsonAsync($"/api/v1/users/{user.Str("user_id")}", new { phone = "556" });
        events.Add("account updated");
        var site = await t.CreateSiteAsync();
        events.Add("site created");
        var siteId = site.Str("site_id");
        await t.Client.PatchJsonAsync($"/api/v1/sites/{siteId}", new { contact_name = "New Manager" });
        events.Add("site updated");
        var wo = (await t.CreateWorkOrderAsync(siteId)).Str("workorder_id");
        events.Add("work order created");
        var path = $"/api/v1/workorders/{wo}";
        await t.Client.PatchJsonAsync(path, new { title = "Install 5 POS terminals" });
        events.Add("work order updated");
        await t.Staff.PostJsonAsync($"{path}/status", new { status_code = "20" }, HttpStatusCode.OK);
        events.Add("work order status change");
        await t.Staff.PostJsonAsync($"{path}/schedule", new { start = "2026-12-01 09:00:00" }, HttpStatusCode.OK);
        events.AddRange(["work order scheduled", "work order status change"]); // 20 Open → 60 Scheduled
        await t.Staff.PostJsonAsync($"{path}/assign", new { tech_name = "John Smith", tech_phone = "123-4567-8900" }, HttpStatusCode.OK);
        events.Add("work order assigned");
        await t.Staff.PostJsonAsync($"{path}/check-in", new { tech_name = "John Smith", tech_phone = "123-4567-8900" }, HttpStatusCode.OK);
        events.AddRange(["work order tech on-site", "work order status change"]);
        await t.Client.PostJsonAsync($"{path}/notes", new { content = "<p>Gate code 4711</p>" }, HttpStatusCode.Created);
        events.Add("work order note added");
        (await t.UploadAsync(t.Staff, $"{path}/photos", Tenant.PngBytes, "image/png", "rack.png", "rack")).EnsureSuccessStatusCode();
        events.Add("work order photo added");
        var question = await t.Staff.PostJsonAsync($"{path}/questions", new { question = "All terminals tested?" }, HttpStatusCode.Created);
        await t.Staff.PutJsonAsync($"{path}/questions/{question.Str("question_id")}/answer", new { answer = "Yes" });
        events.Add("work order question answered");
        (await t.UploadAsync(t.Staff, $"{path}/closeout-documents", "%PDF-1.4 signoff"u8.ToArray(), "application/pdf", "signoff.pdf")).EnsureSuccessStatusCode();
        events.Add("work order close-out document added");
        (await t.UploadAsync(t.Client, $"{path}/client-documents", "%PDF-1.4 floorplan"u8.ToArray(), "application/pdf", "floorplan.pdf")).EnsureSuccessStatusCode();
        events.Add("work order client document added");
        var task = await t.Client.PostJsonAsync($"{path}/tasks", new { title = "Label cables", description = "Both ends", due = "2026-12-01T17:00:00Z" }, HttpStatusCode.Created);
        events.Add("work order task added");
        await t.Client.PatchJsonAsync($"{path}/tasks/{task.Str("task_id")}", new { status = "completed" });
        events.Add("work order task updated");
        (await t.Client.DeleteAsync($"{path}/tasks/{task.Str("task_id")}")).EnsureSuccessStatusCode();
        events.Add("work order task deleted");
        await t.Staff.PostJsonAsync($"{path}/check-out", new { disposition = "complete" }, HttpStatusCode.OK);
        events.AddRange(["work order tech off-site", "work order status change"]);
        await t.Staff.PostJsonAsync($"{path}/close", null, HttpStatusCode.OK);
        events.AddRange(["work order status change", "work order closed"]);
        var second = (await t.CreateWorkOrderAsync(siteId, "Second order")).Str("workorder_id");
        events.Add("work order created");
        await t.Client.PostJsonAsync($"/api/v1/workorders/{second}/cancel", null, HttpStatusCode.OK);
        events.AddRange(["work order status change", "work order cancelled"]);
        return events;
    }
}
