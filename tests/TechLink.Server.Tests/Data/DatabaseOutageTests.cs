using System.Net;
using System.Net.Http.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// With PostgreSQL stopped, the API answers 503 problem details with Retry-After (not 500), writes nothing, and works
/// again once the database is back. Its own cluster, so stopping it disturbs no other test.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private PostgresCluster _cluster = null!;
    private TechLinkApp _app = null!;

    public async Task InitializeAsync()
    {
        _cluster = await PostgresCluster.StartOwnAsync();
        _app = new TechLinkApp(Provider.Postgres, await _cluster.CreateDatabaseAsync("outage"));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task DatabaseStopped_WritesAndReadsAnswer503WithRetryAfter_ThenWorkAgain()
    {
        var tenant = await _app.NewTenantAsync();
        await _cluster.StopAsync("fast");
        try
        {
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
            {
                () => tenant.Client.PostAsJsonAsync("/api/v1/sites", new { name = "During outage", timezone = "America/Chicago" }),
                () => tenant.Client.GetAsync("/api/v1/workorders"),
            })
            {
                using var response = await request();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains("\"status\":503", body, StringComparison.Ordinal);
                Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);
            }
        }
        finally
        {
            await _cluster.RestartAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            using var response = await tenant.Client.GetAsync("/api/v1/sites");
            status = response.StatusCode;
            if (status == HttpStatusCode.OK) break;
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain((await tenant.Client.GetJsonAsync("/api/v1/sites")).Items(), s => s.Str("name") == "During outage");
    }
}
