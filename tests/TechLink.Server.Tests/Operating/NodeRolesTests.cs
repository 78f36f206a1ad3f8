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
    [Theory]
    [InlineData("/api/v1/workorders")]
    [InlineData("/portal")]
    [InlineData("/login")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs")]
    public async Task DispatcherOnlyNode_ServesNoClientRoute(string path)
    {
        using var app = new TechLinkApp(Provider.Sqlite, null, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = "dispatcher" });
        using var http = app.WithKey(TechLinkApp.StaffKey);

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task DispatcherOnlyNode_AnswersHealthAndMetrics(string path)
    {
        using var app = new TechLinkApp(Provider.Sqlite, null, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = "dispatcher" });
        // The metrics ask for a staff key, as on every node.
        using var http = app.WithKey(TechLinkApp.StaffKey);

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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
