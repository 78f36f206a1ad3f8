using System.Net;
using System.Net.Http.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// The change and its events commit together: a commit that fails (thrown by <see cref="CommitFault"/> inside the
/// real endpoint's transaction) leaves neither the change nor any event, nor a pending delivery.
/// </summary>
public abstract class TransactionTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static HttpRequestMessage Failing(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(CommitFault.Header, "1");
        return request;
    }

    private async Task<Tenant> TenantWithWebhookAsync()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/never"), enabled: true);
        return tenant;
    }

    [Fact]
    public async Task CreateWorkOrder_CommitFails_NoWorkOrderNoEventNoDelivery()
    {
        var tenant = await TenantWithWebhookAsync();
        var site = (await tenant.CreateSiteAsync()).Str("site_id");
        var since = await tenant.LastEventIdAsync();
        var deliveriesBefore = (await tenant.DeliveriesAsync()).Count;
        var response = await tenant.Client.SendAsync(Failing(HttpMethod.Post, "/api/v1/workorders", JsonContent.Create(new { site_id = site, title = "doomed" })));
        await response.ReadAsync(HttpStatusCode.InternalServerError);
        Assert.Empty((await tenant.Client.GetJsonAsync("/api/v1/workorders")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
        Assert.Equal(deliveriesBefore, (await tenant.DeliveriesAsync()).Count);

        // The same request without the fault commits both: the fault, not the request, was the cause.
        await tenant.CreateWorkOrderAsync(site, "doomed");
        Assert.Single(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task CheckIn_CommitFails_WorkOrderUnchangedAndNeitherEvent()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var before = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}");
        var since = await tenant.LastEventIdAsync();
        var response = await tenant.Staff.SendAsync(Failing(HttpMethod.Post, $"/api/v1/workorders/{wo}/check-in", JsonContent.Create(new { tech_name = "John", tech_phone = "1" })));
        await response.ReadAsync(HttpStatusCode.InternalServerError);
        Json.AssertJsonEqual(before, await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"));
        Assert.DoesNotContain((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/timeline")).Items(), t => t.Str("new_status_code") == "70");
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task UploadPhoto_CommitFails_NoPhotoNoEventNoBytesLeft()
    {
        var tenant = await TenantWithWebhookAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Tenant.PngBytes);
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "p.png");
        var response = await tenant.Staff.SendAsync(Failing(HttpMethod.Post, $"/api/v1/workorders/{wo}/photos", form));
        await response.ReadAsync(HttpStatusCode.InternalServerError);
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/photos")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
        var folder = Path.Combine(App.DataPath, "files", tenant.CompanyId);
        Assert.True(!Directory.Exists(folder) || Directory.GetFiles(folder).Length == 0, "the uploaded bytes stayed on disk without a row");
    }

    [Fact]
    public async Task CreateUser_CommitFails_NoUserNoEvent()
    {
        var tenant = await TenantWithWebhookAsync();
        var since = await tenant.LastEventIdAsync();
        var name = "u" + Guid.NewGuid().ToString("N")[..8];
        var response = await tenant.Client.SendAsync(Failing(HttpMethod.Post, "/api/v1/users", JsonContent.Create(new { username = name })));
        await response.ReadAsync(HttpStatusCode.InternalServerError);
        Assert.Empty((await tenant.Client.GetJsonAsync("/api/v1/users")).Items());
        Assert.Empty(await tenant.EventsAsync(since));
        // The name is still free: nothing of the user was written.
        await tenant.Client.PostJsonAsync("/api/v1/users", new { username = name }, HttpStatusCode.Created);
    }
}

public sealed class TransactionTestsSqlite(AppFixture fixture) : TransactionTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class TransactionTestsPostgres(AppFixture fixture, PostgresFixture postgres) : TransactionTests(fixture, postgres), IClassFixture<AppFixture>;
