using System.Diagnostics;
using System.Net;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Operating;

/// <summary>
/// <c>/health/ready</c> tells the truth: on a node that sends nothing (roles <c>api</c>, no dispatcher anywhere), a
/// delivery that stays due longer than <c>Delivery:ReadyMaxAge</c> makes it 503, while <c>/health/live</c> stays 200.
/// The real server process, on each provider.
/// </summary>
public abstract class ReadinessTests(PostgresFixture? postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-process-tests", Guid.NewGuid().ToString("N")[..12]);
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        var provider = postgres is null ? Provider.Sqlite : Provider.Postgres;
        var cs = postgres is null ? null : await postgres.Cluster.CreateDatabaseAsync("ready");
        _server = await ServerProcess.StartAsync(provider, _dataPath, cs, roles: "api", settings: new Dictionary<string, string?>
        {
            ["TechLink:Delivery:ReadyMaxAge"] = "00:00:02",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<HttpStatusCode> StatusAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = _server.BaseUrl };
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    [Fact]
    public async Task Ready_503OnceTheOldestDueDeliveryIsOlderThanReadyMaxAge_LiveStays200()
    {
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health/ready"));
        var staff = _server.Client(TechLinkApp.StaffKey);
        var company = await staff.PostJsonAsync("/api/v1/companies", new { name = "Ready Co" }, HttpStatusCode.Created);
        var key = (await staff.PostJsonAsync($"/api/v1/companies/{company.Str("company_id")}/api-keys", new { name = "k" }, HttpStatusCode.Created)).Str("key");
        var client = _server.Client(key);
        await client.PostJsonAsync("/api/v1/webhooks", new { type = "site created", url = "http://127.0.0.1:9/nobody-sends" }, HttpStatusCode.Created);
        var queued = Stopwatch.StartNew();
        await client.PostJsonAsync("/api/v1/sites", new { name = "S", timezone = "America/Los_Angeles" }, HttpStatusCode.Created);

        while (await StatusAsync("/health/ready") == HttpStatusCode.OK)
        {
            if (queued.Elapsed > Deadline) throw new TimeoutException("/health/ready stayed 200 with a delivery due for " + queued.Elapsed);
            await Task.Delay(200);
        }

        // Not before the age was reached.
        Assert.True(queued.Elapsed >= TimeSpan.FromSeconds(2), $"503 after {queued.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync("/health/ready"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health/live"));
    }
}

public sealed class ReadinessTestsSqlite() : ReadinessTests(null);

[Collection(PostgresCollection.Name)]
public sealed class ReadinessTestsPostgres(PostgresFixture postgres) : ReadinessTests(postgres);
