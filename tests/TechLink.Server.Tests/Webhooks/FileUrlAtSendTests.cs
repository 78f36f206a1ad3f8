using System.Net;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Issue 17, point 3: a photo event's time-limited <c>url</c> is signed when it is sent (each attempt) and when the feed
/// or the delivery log shows it, valid for <c>Files:UrlLifetime</c> from then; so a redelivery after the first URL's
/// lifetime carries one that works, and the webhook signature covers the body as sent.
/// </summary>
public abstract class FileUrlAtSendTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Files:UrlLifetime"] = "00:00:04",
    };

    private static JsonElement Data(string body) => JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();

    private async Task WaitUntilDeadAsync(HttpClient anonymous, string url)
    {
        var until = DateTime.UtcNow + Deadline;
        while ((await anonymous.GetAsync(url)).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < until, $"{url} still answers after {Deadline}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Redelivery_AfterTheUrlsLifetime_CarriesAWorkingUrl_AndFeedAndLogToo()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var webhook = await tenant.CreateWebhookAsync("work order photo added", receiver.Url());
        var wo = await tenant.NewWorkOrderIdAsync();
        var anonymous = App.Anonymous();
        await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "p.png")).ReadAsync(HttpStatusCode.Created);
        var first = (await receiver.WaitForAsync(1, Deadline))[0];
        var firstUrl = Data(first.Body).Str("url");

        // The first URL dies with its lifetime.
        await WaitUntilDeadAsync(anonymous, firstUrl);

        var delivery = (await tenant.DeliveriesAsync("event=work order photo added"))[0].Str("delivery_id");
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/deliveries/{delivery}/redeliver", null, HttpStatusCode.Accepted);
        var second = (await receiver.WaitForAsync(2, Deadline))[1];
        var data = Data(second.Body);
        Assert.NotEqual(firstUrl, data.Str("url"));
        var photo = await anonymous.GetAsync(data.Str("url"));
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal(Tenant.PngBytes, await photo.Content.ReadAsByteArrayAsync());
        Assert.True(DateTime.Parse(data.Str("url_expires_at"), System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime() > DateTime.UtcNow.AddSeconds(-1));
        // Only the link changed, and the signature covers the body as sent.
        Json.AssertJsonEqual(Data(first.Body).Without("url", "url_expires_at"), data.Without("url", "url_expires_at"));
        Assert.True(Signatures.Verifies(second, webhook.Str("signing_secret")));
        Assert.Equal(first.Headers["webhook-id"], second.Headers["webhook-id"]);

        // The feed and the delivery log sign when they are read.
        var feed = (await tenant.EventsAsync(query: "type=work order photo added"))[0];
        var feedUrl = feed.GetProperty("payload").GetProperty("data").Str("url");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(feedUrl)).StatusCode);
        var logged = await tenant.Client.GetJsonAsync($"/api/v1/webhooks/deliveries/{delivery}");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(logged.GetProperty("payload").GetProperty("data").Str("url"))).StatusCode);
    }
}

public sealed class FileUrlAtSendTestsSqlite(AppFixture fixture) : FileUrlAtSendTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class FileUrlAtSendTestsPostgres(AppFixture fixture, PostgresFixture postgres) : FileUrlAtSendTests(fixture, postgres), IClassFixture<AppFixture>;
