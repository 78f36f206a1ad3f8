using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// Each mutation writes the spec's event(s), field for field, into the feed; <c>data</c> equals what the matching
/// GET answers right after.
/// </summary>
public abstract partial class EventPayloadTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly string[] DataShape = ["event", "data"];
    private static readonly string[] WorkOrderDataShape = ["event", "workorder_id", "data"];

    private static async Task<IReadOnlyList<JsonElement>> PayloadsAsync(Tenant tenant, string since)
    {
        var events = await tenant.EventsAsync(since);
        foreach (var e in events)
        {
            Assert.Matches("^[0-9]+$", e.Str("event_id"));
            Assert.Equal(e.Str("type"), e.GetProperty("payload").Str("event"));
        }

        return [.. events.Select(e => e.GetProperty("payload"))];
    }

    private static JsonElement Single(IReadOnlyList<JsonElement> payloads, string type, string[] shape, string? workOrderId = null)
    {
        var payload = Assert.Single(payloads, p => p.Str("event") == type);
        Assert.Equal(shape, payload.Names());
        if (workOrderId is not null) Assert.Equal(workOrderId, payload.Str("workorder_id"));
        return payload;
    }

    [Fact]
    public async Task CreateUser_AccountCreated_DataEqualsGetUser()
    {
        var tenant = await App.NewTenantAsync();
        var since = await tenant.LastEventIdAsync();
        var user = await tenant.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8], first_name = "Jane", email = "j@example.com" }, HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "account created", DataShape);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/users/{user.Str("user_id")}"), payload.GetProperty("data"));
        Assert.Matches("^[0-9]+$", payload.GetProperty("data").Str("user_id"));
    }

    [Fact]
    public async Task UpdateUser_AccountUpdated_DataEqualsGetUser()
    {
        var tenant = await App.NewTenantAsync();
        var user = await tenant.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8] }, HttpStatusCode.Created);
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PatchJsonAsync($"/api/v1/users/{user.Str("user_id")}", new { phone = "555-0199" });
        var payload = Single(await PayloadsAsync(tenant, since), "account updated", DataShape);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/users/{user.Str("user_id")}"), payload.GetProperty("data"));
        Assert.Equal("555-0199", payload.GetProperty("data").Str("phone"));
    }

    [Fact]
    public async Task CreateSite_SiteCreated_DataEqualsGetSite()
    {
        var tenant = await App.NewTenantAsync();
        var since = await tenant.LastEventIdAsync();
        var site = await tenant.CreateSiteAsync();
        var payload = Single(await PayloadsAsync(tenant, since), "site created", DataShape);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/sites/{site.Str("site_id")}"), payload.GetProperty("data"));
    }

    [Fact]
    public async Task UpdateSite_SiteUpdated_DataEqualsGetSite()
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{site.Str("site_id")}", new { contact_name = "New Manager" });
        var payload = Single(await PayloadsAsync(tenant, since), "site updated", DataShape);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/sites/{site.Str("site_id")}"), payload.GetProperty("data"));
        Assert.Equal("New Manager", payload.GetProperty("data").Str("contact_name"));
    }

    [Fact]
    public async Task CreateWorkOrder_WorkOrderCreated_DataEqualsGetWorkOrder()
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync();
        var since = await tenant.LastEventIdAsync();
        var wo = (await tenant.CreateWorkOrderAsync(site.Str("site_id"))).Str("workorder_id");
        var payload = Single(await PayloadsAsync(tenant, since), "work order created", WorkOrderDataShape, wo);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"), payload.GetProperty("data"));
    }

    [Fact]
    public async Task UpdateWorkOrder_WorkOrderUpdated_DataEqualsGetWorkOrder()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PatchJsonAsync($"/api/v1/workorders/{wo}", new { description = "<b>bold</b>" });
        var payload = Single(await PayloadsAsync(tenant, since), "work order updated", WorkOrderDataShape, wo);
        Json.AssertJsonEqual(await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"), payload.GetProperty("data"));
    }

    [Fact]
    public async Task SetStatus_AnyCode_WritesStatusChangeWithSpecNames()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "60" }, HttpStatusCode.OK);
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "28" }, HttpStatusCode.OK);
        var payloads = await PayloadsAsync(tenant, since);
        Assert.Single(payloads);
        var payload = Single(payloads, "work order status change", ["event", "workorder_id", "old_status_code", "old_status", "new_status_code", "new_status"], wo);
        Assert.Equal(("60", "Scheduled", "28", "Ready to Assign"),
            (payload.Str("old_status_code"), payload.Str("old_status"), payload.Str("new_status_code"), payload.Str("new_status")));
    }

    [Fact]
    public async Task SetStatus_SameCode_WritesNothing()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "10" }, HttpStatusCode.OK);
        Assert.Empty(await PayloadsAsync(tenant, since));
    }

    [Fact]
    public async Task Close_At100_WritesStatusChangeThenClosed()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/close", null, HttpStatusCode.OK);
        var payloads = await PayloadsAsync(tenant, since);
        Assert.Equal(["work order status change", "work order closed"], payloads.Select(p => p.Str("event")));
        Assert.Equal(("10", "Created", "100", "Closed"), (payloads[0].Str("old_status_code"), payloads[0].Str("old_status"), payloads[0].Str("new_status_code"), payloads[0].Str("new_status")));
        Single(payloads, "work order closed", ["event", "workorder_id"], wo);
    }

    [Fact]
    public async Task SetStatus_To100_AlsoWritesClosed()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "100" }, HttpStatusCode.OK);
        Assert.Equal(["work order status change", "work order closed"], (await PayloadsAsync(tenant, since)).Select(p => p.Str("event")));
    }

    [Fact]
    public async Task Cancel_At105_WritesStatusChangeThenCancelled()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/cancel", null, HttpStatusCode.OK);
        var payloads = await PayloadsAsync(tenant, since);
        Assert.Equal(["work order status change", "work order cancelled"], payloads.Select(p => p.Str("event")));
        Assert.Equal(("105", "Cancelled"), (payloads[0].Str("new_status_code"), payloads[0].Str("new_status")));
        Single(payloads, "work order cancelled", ["event", "workorder_id"], wo);
    }

    [Theory]
    [InlineData("America/Los_Angeles", "2026-07-04 09:30:00")]
    [InlineData("America/Los_Angeles", "2026-01-15 16:05:00")]
    [InlineData("Asia/Kolkata", "2026-03-27 09:00:00")]
    public async Task Schedule_SiteLocalStart_EventAndGetShowSameLocalTime(string zone, string start)
    {
        var tenant = await App.NewTenantAsync();
        var site = await tenant.CreateSiteAsync(zone);
        var wo = (await tenant.CreateWorkOrderAsync(site.Str("site_id"))).Str("workorder_id");
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start }, HttpStatusCode.OK);
        var payload = Single(await PayloadsAsync(tenant, since), "work order scheduled", ["event", "workorder_id", "start"], wo);
        Assert.Equal(start, payload.Str("start"));
        Assert.Equal(start, (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}")).Str("scheduled_start"));
    }

    [Fact]
    public async Task Assign_TechGiven_WritesPlannedTech()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "John Smith", tech_phone = "123-4567-8900" }, HttpStatusCode.OK);
        var payload = Single(await PayloadsAsync(tenant, since), "work order assigned", ["event", "workorder_id", "planned_tech_name", "planned_tech_phone"], wo);
        Assert.Equal(("John Smith", "123-4567-8900"), (payload.Str("planned_tech_name"), payload.Str("planned_tech_phone")));
    }

    [Fact]
    public async Task Assign_BothEmpty_WritesBlankTechFields()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "John Smith", tech_phone = "1" }, HttpStatusCode.OK);
        var since = await tenant.LastEventIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "", tech_phone = "" }, HttpStatusCode.OK);
        var payload = Single(await PayloadsAsync(tenant, since), "work order assigned", ["event", "workorder_id", "planned_tech_name", "planned_tech_phone"], wo);
        Assert.Equal(("", ""), (payload.Str("planned_tech_name"), payload.Str("planned_tech_phone")));
    }

    /// <summary>"2019-01-23 01:23:45 PDT": local time of the site within the window, with PST/PDT as daylight saving says.</summary>
    private static void AssertLosAngelesTime(string time, DateTime fromUtc, DateTime toUtc)
    {
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} P[SD]T$", time);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var local = DateTime.ParseExact(time[..19], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
        Assert.InRange(utc, fromUtc.AddSeconds(-1), toUtc.AddSeconds(1));
        Assert.Equal(zone.IsDaylightSavingTime(local) ? "PDT" : "PST", time[20..]);
    }

    [Fact]
    public async Task CheckIn_LosAngelesSite_WritesTechOnSiteWithZoneThenStatus70()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var before = DateTime.UtcNow;
        var answer = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "John Smith", tech_phone = "123-4567-8900" }, HttpStatusCode.OK);
        var after = DateTime.UtcNow;
        var payloads = await PayloadsAsync(tenant, since);
        Assert.Equal(["work order tech on-site", "work order status change"], payloads.Select(p => p.Str("event")));
        var onSite = Single(payloads, "work order tech on-site", ["event", "workorder_id", "tech_name", "tech_phone", "time"], wo);
        Assert.Equal(("John Smith", "123-4567-8900"), (onSite.Str("tech_name"), onSite.Str("tech_phone")));
        AssertLosAngelesTime(onSite.Str("time"), before, after);
        Assert.Equal(onSite.Str("time"), answer.Str("check_in_time"));
        Assert.Equal(("10", "70", "Tech On Site"), (payloads[1].Str("old_status_code"), payloads[1].Str("new_status_code"), payloads[1].Str("new_status")));
    }

    [Theory]
    [InlineData("complete", "76", "Off Site / Complete")]
    [InlineData("return", "78", "Off Site / Return Trip Required")]
    public async Task CheckOut_Disposition_WritesTechOffSiteThenStatus(string disposition, string code, string name)
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "John Smith", tech_phone = "1" }, HttpStatusCode.OK);
        var since = await tenant.LastEventIdAsync();
        var before = DateTime.UtcNow;
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition }, HttpStatusCode.OK);
        var after = DateTime.UtcNow;
        var payloads = await PayloadsAsync(tenant, since);
        Assert.Equal(["work order tech off-site", "work order status change"], payloads.Select(p => p.Str("event")));
        var offSite = Single(payloads, "work order tech off-site", ["event", "workorder_id", "disposition", "time"], wo);
        Assert.Equal(disposition, offSite.Str("disposition"));
        AssertLosAngelesTime(offSite.Str("time"), before, after);
        Assert.Equal(("70", "Tech On Site", code, name), (payloads[1].Str("old_status_code"), payloads[1].Str("old_status"), payloads[1].Str("new_status_code"), payloads[1].Str("new_status")));
    }

    [Fact]
    public async Task AddNote_HtmlContent_NoteAddedDataEqualsGetNotesItem()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var note = await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "<p>Arrival <b>9–11am</b> & \"quotes\"</p>" }, HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "work order note added", WorkOrderDataShape, wo);
        var listed = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/notes")).Items().Single(n => n.Str("note_id") == note.Str("note_id"));
        Json.AssertJsonEqual(listed, payload.GetProperty("data"));
        Assert.Equal("<p>Arrival <b>9–11am</b> & \"quotes\"</p>", payload.GetProperty("data").Str("content"));
    }

    [Fact]
    public async Task UploadPhoto_PhotoAdded_DataEqualsGetPhotosItemAndUrlDownloadsWithoutKey()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var photo = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "rack.png", "Rack")).ReadAsync(HttpStatusCode.Created);
        var payload = Single(await PayloadsAsync(tenant, since), "work order photo added", WorkOrderDataShape, wo);
        var data = payload.GetProperty("data");
        var listed = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/photos")).Items().Single(p => p.Str("photo_id") == photo.Str("photo_id"));
        Json.AssertJsonEqual(listed.Without("url", "url_expires_at"), data.Without("url", "url_expires_at"));
        await AssertUrlServesAsync(data.Str("url"), Tenant.PngBytes);
    }

    private async Task AssertUrlServesAsync(string url, byte[] expected)
    {
        var anonymous = App.Anonymous();
        var response = await anonymous.GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
        var token = url[(url.LastIndexOf('/') + 1)..];
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        await (await anonymous.GetAsync("/files/" + tampered)).ReadAsync(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync("/files/not-a-token")).ReadAsync(HttpStatusCode.NotFound);
    }
}

public sealed class EventPayloadTestsSqlite(AppFixture fixture) : EventPayloadTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class EventPayloadTestsPostgres(AppFixture fixture, PostgresFixture postgres) : EventPayloadTests(fixture, postgres), IClassFixture<AppFixture>;
