using System.Globalization;
using System.Net;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// Issue 17, point 5: <c>TechLink:RateLimit:ApiPerKeyPerMinute</c> limits each API key on its own: one key past its
/// allowance gets 429 problem details with <c>Retry-After</c>, while another key (and staff) are still served.
/// </summary>
public sealed class ApiRateLimitTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    private const int PerMinute = 20;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:RateLimit:ApiPerKeyPerMinute"] = PerMinute.ToString(CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task OneKeyOverItsLimit_Gets429WithRetryAfter_AnotherKeyIsServed()
    {
        var a = await App.NewTenantAsync();
        var b = await App.NewTenantAsync();

        // A fixed one-minute window: should it roll over during the loop, at most twice the allowance passes.
        HttpResponseMessage? refused = null;
        var served = 0;
        for (var i = 0; i < 2 * PerMinute + 1 && refused is null; i++)
        {
            var response = await a.Client.GetAsync("/api/v1/sites");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                served++;
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        Assert.True(served >= PerMinute, $"refused after {served} requests, below the allowance of {PerMinute}");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.ReadAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        refused.Dispose();

        // Another key of another company, and the staff key, are not held back by A's use.
        await b.Client.GetJsonAsync("/api/v1/sites");
        await b.Staff.GetJsonAsync($"/api/v1/companies/{a.CompanyId}");
        // A stays refused within its window.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await a.Client.GetAsync("/api/v1/workorders")).StatusCode);
    }
}
