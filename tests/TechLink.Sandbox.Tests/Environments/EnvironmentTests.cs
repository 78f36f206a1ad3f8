using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TechLink.Server.Data;
using TechLink.Server.Sandbox;

namespace TechLink.Sandbox.Tests.Environments;

/// <summary>The server on a temp DataPath and SQLite file, in the environment given.</summary>
internal sealed class ServerHost(string dataPath, string environment, bool demoData = false) : WebApplicationFactory<Program>
{
    public const string StaffKey = "tlk_sandbox_tests_staff_key_0123456789abcdef";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("TechLink:DataPath", dataPath);
        builder.UseSetting("TechLink:Environment", environment);
        builder.UseSetting("TechLink:PublicBaseUrl", environment == "Production" ? "https://portal.techlinksvc.net/" : "https://sandbox.techlinksvc.net/");
        builder.UseSetting("TechLink:Bootstrap:StaffApiKey", StaffKey);
        builder.UseSetting("TechLink:Bootstrap:DemoData", demoData ? "true" : "false");
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
    }

    public HttpClient Staff()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StaffKey);
        return client;
    }

    public TechLinkDbContext Db() => Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();
}

public sealed class EnvironmentTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-sandbox-tests", "env-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Start_DatabaseOfTheOtherEnvironment_RefusesToStart()
    {
        await using (var production = new ServerHost(_dataPath, "Production"))
        {
            _ = production.Server;
        }

        await using var sandbox = new ServerHost(_dataPath, "Sandbox");
        var error = Assert.Throws<InvalidOperationException>(() => sandbox.Server);
        Assert.Contains("belongs to the Production environment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Production_CreatesNoDemoData()
    {
        await using var production = new ServerHost(_dataPath, "Production", demoData: true);
        _ = production.Server;

        await using var db = production.Db();
        Assert.Empty(await db.Companies.ToListAsync());
        Assert.Empty(await db.Users.ToListAsync());
        Assert.Equal(["bootstrap staff key"], await db.ApiKeys.Select(k => k.Name).ToListAsync());
        Assert.Equal("Production", (await db.SystemSettings.SingleAsync(s => s.Key == "environment")).Value);
    }

    [Fact]
    public async Task Start_EmptySandbox_CreatesDemoData()
    {
        await using var sandbox = new ServerHost(_dataPath, "Sandbox", demoData: true);
        _ = sandbox.Server;

        await using var db = sandbox.Db();
        Assert.Single(await db.Companies.ToListAsync());
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Sandbox")]
    public async Task Restart_SameDataPath_KeepsRegistrationSecretReadable(string environment)
    {
        string webhookId, secret;
        await using (var first = new ServerHost(_dataPath, environment))
        {
            var staff = first.Staff();
            var company = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/companies", new { name = "Restart Co" }), HttpStatusCode.Created);
            var created = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/webhooks",
                new { company_id = company.GetProperty("company_id").GetString(), type = "work order created", url = "https://erp.example.com/hook" }), HttpStatusCode.Created);
            webhookId = created.GetProperty("webhook_id").GetString()!;
            secret = created.GetProperty("signing_secret").GetString()!;
        }

        await using var second = new ServerHost(_dataPath, environment);
        var again = await ReadAsync(await second.Staff().GetAsync($"/api/v1/webhooks/{webhookId}/secret"), HttpStatusCode.OK);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(secret, again.GetProperty("signing_secret").GetString());
    }

    [Fact]
    public async Task ApiResponse_RefreshedSandbox_CarriesDataAsOfHeader()
    {
        await using var sandbox = new ServerHost(_dataPath, "Sandbox");
        _ = sandbox.Server;
        await SetDataAsOfAsync(sandbox, "2026-11-28T12:00:00Z");

        var ok = await sandbox.Staff().GetAsync("/api/v1/statuses");
        var unauthorized = await sandbox.CreateClient().GetAsync("/api/v1/statuses");
        var notFound = await sandbox.Staff().GetAsync("/api/v1/workorders/999999");

        foreach (var response in new[] { ok, unauthorized, notFound })
        {
            Assert.True(response.Headers.TryGetValues(SandboxInfo.HeaderName, out var values), $"no header on {response.StatusCode}");
            Assert.Equal(["2026-11-28T12:00:00Z"], values);
        }

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(DateTime.Parse("2026-11-28T12:00:00Z", null, System.Globalization.DateTimeStyles.AdjustToUniversal), await sandbox.Services.GetRequiredService<SandboxInfo>().GetDataAsOfAsync());
    }

    [Fact]
    public async Task PortalBanner_RefreshedSandbox_ShowsDataAsOf()
    {
        await using var sandbox = new ServerHost(_dataPath, "Sandbox");
        _ = sandbox.Server;
        await SetDataAsOfAsync(sandbox, "2026-11-28T12:00:00Z");

        var page = await sandbox.CreateClient().GetStringAsync("/login");

        Assert.Contains("data-testid=\"sandbox-banner\"", page, StringComparison.Ordinal);
        Assert.Contains("Data as of <time datetime=\"2026-11-28T12:00:00Z\">2026-11-28T12:00:00Z</time>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiResponse_Production_HasNoDataAsOfHeader()
    {
        await using var production = new ServerHost(_dataPath, "Production");
        _ = production.Server;
        await SetDataAsOfAsync(production, "2026-11-28T12:00:00Z");

        var response = await production.Staff().GetAsync("/api/v1/statuses");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains(SandboxInfo.HeaderName));
    }

    private static async Task SetDataAsOfAsync(ServerHost host, string value)
    {
        await using var db = host.Db();
        db.SystemSettings.Add(new SystemSetting { Key = SandboxRefresher.DataAsOfKey, Value = value });
        await db.SaveChangesAsync();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
