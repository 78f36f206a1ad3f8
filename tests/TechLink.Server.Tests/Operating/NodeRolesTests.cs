using System.Net;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Operating;

/// <summary>
/// A node with <c>TechLink:Node:Roles=dispatcher</c> sends webhooks and answers its health and metrics, nothing a client
/// calls: no API, portal or documents (their routes and services would cost it memory it has no use for). A node with
/// the API role serves them all.
/// </summary>
public sealed class NodeRolesTests
{
    /// <summary>The metrics ask for a staff key, as on every node: every request here carries one.</summary>
    [Theory]
    [InlineData("/api/v1/workorders", HttpStatusCode.NotFound)]
    [InlineData("/portal", HttpStatusCode.NotFound)]
    [InlineData("/login", HttpStatusCode.NotFound)]
    [InlineData("/openapi/v1.json", HttpStatusCode.NotFound)]
    [InlineData("/docs", HttpStatusCode.NotFound)]
    [InlineData("/health/live", HttpStatusCode.OK)]
    [InlineData("/health/ready", HttpStatusCode.OK)]
    [InlineData("/metrics", HttpStatusCode.OK)]
    public async Task DispatcherOnlyNode_AnswersHealthAndMetricsOnly(string path, HttpStatusCode expected)
    {
        using var app = new TechLinkApp(Provider.Sqlite, null, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = "dispatcher" });
        using var http = app.WithKey(TechLinkApp.StaffKey);

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("api,dispatcher")]
    public async Task NodeWithTheApiRole_ServesTheApiAndThePortal(string roles)
    {
        using var app = new TechLinkApp(Provider.Sqlite, null, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = roles });
        using var http = app.WithKey(TechLinkApp.StaffKey);

        using var workOrders = await http.GetAsync(new Uri("/api/v1/workorders", UriKind.Relative));
        using var login = await http.GetAsync(new Uri("/login", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, workOrders.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }
}
