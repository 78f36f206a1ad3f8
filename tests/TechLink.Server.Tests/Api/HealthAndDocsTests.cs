using System.Net;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

public abstract class HealthAndDocsTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_Anonymous_Answers200(string path)
    {
        var response = await App.Anonymous().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_Document_HasApiKeySchemeAndEventSamples()
    {
        var doc = await App.Anonymous().GetJsonAsync("/openapi/v1.json");
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("http", scheme.Str("type"));
        Assert.Equal("bearer", scheme.Str("scheme"));
        var description = doc.GetProperty("info").Str("description");
        foreach (var type in new[] { "account created", "work order tech on-site", "work order task deleted", "work order close-out document added" })
        {
            Assert.Contains($"### {type}", description, StringComparison.Ordinal);
        }

        Assert.Contains("\"event\": \"work order status change\"", description, StringComparison.Ordinal);
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/v1/workorders/{workorder_id}", out _));
    }

    [Fact]
    public async Task Docs_Page_Answers200Html()
    {
        var client = App.Anonymous();
        var response = await client.GetAsync("/docs");
        if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.MovedPermanently) response = await client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("TechLink Services API", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class HealthAndDocsTestsSqlite(AppFixture fixture) : HealthAndDocsTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class HealthAndDocsTestsPostgres(AppFixture fixture, PostgresFixture postgres) : HealthAndDocsTests(fixture, postgres), IClassFixture<AppFixture>;
