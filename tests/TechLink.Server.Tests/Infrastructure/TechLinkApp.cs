using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TechLink.Server.Data;
using TechLink.Server.Webhooks;
using TechLink.Testing;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>
/// The real server in memory (<see cref="WebApplicationFactory{Program}"/>) on a temp DataPath and a real database,
/// with a known staff key, deliveries allowed to loopback and short retry delays. The dispatcher runs inside it and
/// posts to real sockets, so a <c>LoopbackReceiver</c> sees what a client would.
/// </summary>
public sealed class TechLinkApp : WebApplicationFactory<Program>
{
    public const string StaffKey = ServerSettings.StaffKey;

    private readonly Dictionary<string, string?> _settings;

    public TechLinkApp(Provider provider, string? connectionString, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        Provider = provider;
        DataPath = Path.Combine(Path.GetTempPath(), "techlink-server-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataPath);
        _settings = ServerSettings.Defaults(provider, DataPath, connectionString);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public Provider Provider { get; }

    public string DataPath { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting reaches the configuration that Program reads while it builds, unlike ConfigureAppConfiguration.
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<CommitFault>();
            services.ConfigureDbContext<SqliteTechLinkDbContext>((sp, o) => o.AddInterceptors(sp.GetRequiredService<CommitFault>()));
            services.ConfigureDbContext<PostgresTechLinkDbContext>((sp, o) => o.AddInterceptors(sp.GetRequiredService<CommitFault>()));
        });
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public HttpClient WithKey(string key)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Staff() => WithKey(StaffKey);

    /// <summary>A fresh client company with its own key, so tests never see each other's data.</summary>
    public async Task<Tenant> NewTenantAsync(string? name = null)
    {
        var staff = Staff();
        var company = await staff.PostJsonAsync("/api/v1/companies", new { name = name ?? "Company " + Guid.NewGuid().ToString("N")[..8] }, System.Net.HttpStatusCode.Created);
        var companyId = company.Str("company_id");
        var key = await staff.PostJsonAsync($"/api/v1/companies/{companyId}/api-keys", new { name = "tests" }, System.Net.HttpStatusCode.Created);
        return new Tenant(this, companyId, key.Str("key"), WithKey(key.Str("key")), staff);
    }

    /// <summary>An enabled registration row for <paramref name="companyId"/> (not saved), for tests that write the tables directly.</summary>
    public WebhookRegistration NewRegistration(long companyId, string types) => new()
    {
        CompanyId = companyId,
        Type = types,
        EventTypes = types,
        Url = "http://127.0.0.1:9/x",
        SecretProtected = Services.GetRequiredService<WebhookSecrets>().Protect(TechLink.Delivery.Signing.WebhookSecret.Generate()),
        Enabled = true,
        CreatedAt = DateTime.UtcNow,
        UpdatedAt = DateTime.UtcNow,
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        if (Provider == Provider.Sqlite) Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A transaction interceptor that throws at commit for requests carrying <see cref="Header"/>: the honest way to make
/// "a change that fails to commit" happen inside the real endpoint code.
/// </summary>
public sealed class CommitFault(Microsoft.AspNetCore.Http.IHttpContextAccessor http) : Microsoft.EntityFrameworkCore.Diagnostics.DbTransactionInterceptor
{
    public const string Header = "X-Test-Fail-Commit";

    public int Thrown;

    public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult> TransactionCommittingAsync(
        System.Data.Common.DbTransaction transaction, Microsoft.EntityFrameworkCore.Diagnostics.TransactionEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (http.HttpContext?.Request.Headers.ContainsKey(Header) == true)
        {
            Interlocked.Increment(ref Thrown);
            throw new InvalidOperationException("commit refused by the test");
        }

        return base.TransactionCommittingAsync(transaction, eventData, result, cancellationToken);
    }
}
