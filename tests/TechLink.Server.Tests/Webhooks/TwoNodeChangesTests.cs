using System.Net;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>
/// Two nodes on one PostgreSQL database: an API node takes the changes, a dispatcher node sends. A change answered by
/// the API node applies to the dispatcher node's next attempt (its cached registration is forgotten through NOTIFY).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TwoNodeChangesTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private TechLinkApp _api = null!;
    private TechLinkApp _dispatcher = null!;

    public async Task InitializeAsync()
    {
        var cs = await postgres.Cluster.CreateDatabaseAsync("two_nodes");
        _api = new TechLinkApp(Provider.Postgres, cs, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = "api" });
        _ = _api.Server;
        // One deployment: the same Data Protection key ring (under DataPath), so the dispatcher can read the secrets.
        _dispatcher = new TechLinkApp(Provider.Postgres, cs, new Dictionary<string, string?>
        {
            ["TechLink:Node:Roles"] = "dispatcher",
            ["TechLink:DataPath"] = _api.DataPath,
        });
        _ = _dispatcher.Server;
    }

    public async Task DisposeAsync()
    {
        await _dispatcher.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task RotatePauseResumeOnApiNode_DispatcherNodeAppliesThemToTheNextAttempt()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await _api.NewTenantAsync();
        var created = await tenant.CreateWebhookAsync("site created", receiver.Url("/two-nodes"));
        var hook = created.Str("webhook_id");
        await tenant.CreateSiteAsync();
        Assert.True(Signatures.Verifies((await receiver.WaitForAsync(1, Deadline))[0], created.Str("signing_secret")));

        // Rotated on the API node, then an event at once: the dispatcher node signs it with the new secret.
        var rotated = (await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/secret/rotate", null, HttpStatusCode.OK)).Str("signing_secret");
        await tenant.CreateSiteAsync();
        Assert.True(Signatures.Verifies((await receiver.WaitForAsync(2, Deadline))[1], rotated), "the dispatcher node signed with what it had cached");

        // Paused on the API node: the dispatcher node parks the next event instead of sending it.
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/pause", null, HttpStatusCode.OK);
        await tenant.CreateSiteAsync();
        var deadline = DateTime.UtcNow + Deadline;
        while (!(await tenant.DeliveriesAsync($"webhook_id={hook}&status=pending")).Any(d => d.Str("next_attempt_at") == "9999-01-01T00:00:00Z"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the paused delivery was not parked");
            await Task.Delay(100);
        }

        Assert.Equal(2, receiver.ReceivedCount);

        // Resumed on the API node: the dispatcher node is woken and sends it.
        await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{hook}/resume", null, HttpStatusCode.OK);
        var third = (await receiver.WaitForAsync(3, Deadline))[2];
        Assert.True(Signatures.Verifies(third, rotated));
    }
}
