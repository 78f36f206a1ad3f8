using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Delivery.Signing;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Issue 16, point 6: in Production webhook URLs may use only the ports of <c>TechLink:Delivery:AllowedPorts</c>
/// (default 80, 443, 8080, 8443): refused at registration, and by the network guard when a stored URL is sent to.
/// </summary>
public abstract class ProductionPortTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Environment"] = "Production",
        ["TechLink:PublicBaseUrl"] = "https://portal.example.com/",
    };

    [Fact]
    public async Task Register_PortOutsideAllowedPorts_Answers400NamingUrl()
    {
        var tenant = await App.NewTenantAsync();
        string[] refused = ["https://hooks.example.com:22/ssh", "http://hooks.example.com:6379/redis", "https://hooks.example.com:8444/near"];
        foreach (var url in refused)
        {
            await (await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new { type = "site created", url })).AssertValidationAsync("url");
        }

        string[] accepted = ["https://hooks.example.com/a", "http://hooks.example.com/b", "https://hooks.example.com:8443/c", "http://hooks.example.com:8080/d"];
        foreach (var url in accepted) await tenant.CreateWebhookAsync("site created", new Uri(url));

        var id = (await tenant.Client.GetJsonAsync("/api/v1/webhooks")).Items()[0].Str("webhook_id");
        await (await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { url = "https://hooks.example.com:25/smtp" })).AssertValidationAsync("url");
        ReliabilityLog.Record(WebhookLimitTests.Area, $"registrations on ports outside TechLink:Delivery:AllowedPorts in Production ({Hostile.Answers.Database(App.Provider)})",
            tries: refused.Length + 1, lost: 0, detail: "each answered 400 naming url; 80, 443, 8080 and 8443 accepted");
    }

    [Fact]
    public async Task StoredUrlOnDisallowedPort_TestSendAndDelivery_RefusedByTheGuardAndNothingArrives()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        // Registered before the server ran in Production (or before AllowedPorts changed): only the send can refuse it.
        long id;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
            var now = DateTime.UtcNow;
            var registration = new WebhookRegistration
            {
                CompanyId = long.Parse(tenant.CompanyId, System.Globalization.CultureInfo.InvariantCulture),
                Type = "site created", EventTypes = "site created", Url = receiver.Url("/old").ToString(),
                SecretProtected = secrets.Protect(WebhookSecret.Generate()), CreatedAt = now, UpdatedAt = now,
            };
            db.WebhookRegistrations.Add(registration);
            await db.SaveChangesAsync();
            id = registration.Id;
        }

        var answer = await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{id}/test", new { }, HttpStatusCode.OK);
        Assert.False(answer.GetProperty("success").GetBoolean());
        Assert.Contains($"port {receiver.BaseUrl.Port}", answer.Str("error"), StringComparison.Ordinal);

        await tenant.CreateSiteAsync();
        var failed = await DeliveryTests.WaitForStatusAsync(tenant, id.ToString(System.Globalization.CultureInfo.InvariantCulture), "failed");
        Assert.Contains($"port {receiver.BaseUrl.Port}", failed.Str("last_error"), StringComparison.Ordinal);
        ReliabilityLog.Record(WebhookLimitTests.Area, $"a stored URL on a port outside AllowedPorts: a test send and a real delivery in Production ({Hostile.Answers.Database(App.Provider)})",
            tries: 2, lost: receiver.Received.Count, detail: $"both refused by the network guard: \"{failed.Str("last_error")}\"");
        Assert.Empty(receiver.Received);
    }
}

public sealed class ProductionPortTestsSqlite(AppFixture fixture) : ProductionPortTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ProductionPortTestsPostgres(AppFixture fixture, PostgresFixture postgres) : ProductionPortTests(fixture, postgres), IClassFixture<AppFixture>;
