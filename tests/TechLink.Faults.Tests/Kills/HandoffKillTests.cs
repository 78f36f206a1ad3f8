using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Kills;

/// <summary>
/// The local fast path under SIGKILL: a delivery the committing node wrote leased to itself and handed to its own
/// dispatcher in memory is in the database with that lease, so when the node dies before its result is written, the
/// restart claims it once the lease has run out and delivers it (same webhook-id); nothing is lost.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HandoffKillTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-fault-tests", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Theory]
    [InlineData(Provider.Sqlite)]
    [InlineData(Provider.Postgres)]
    public async Task HandedOverDelivery_NodeKilledBeforeItsAnswer_RestartReclaimsItAfterTheLeaseAndDeliversIt(Provider provider)
    {
        Directory.CreateDirectory(_dataPath);
        var cs = provider == Provider.Postgres ? await postgres.Cluster.CreateDatabaseAsync("handoff") : null;
        var table = provider == Provider.Postgres ? DeliveryTable.Postgres(cs!) : DeliveryTable.Sqlite(_dataPath);
        await using var receiver = await LoopbackReceiver.StartAsync();
        await using var node = new ServerNode("fast", id => ServerProcess.StartAsync(provider, _dataPath, cs, "all", KillCampaign.Settings(id)));
        await node.StartAsync();
        var staff = node.Client!;
        var company = await staff.CreateCompanyAsync("Handoff Co");
        var workOrder = await staff.CreateWorkOrderAsync(company);
        await staff.RegisterAnyWebhooksAsync(company, receiver.Url("/k"));

        // The first POST is never answered: the node has sent it and holds the row when it dies.
        var never = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = _ => never.Task;
        using (var response = await staff.PostNoteAsync(workOrder, "handed over, then killed")) response.EnsureSuccessStatusCode();
        var first = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(30)))[0];
        var webhookId = first.Headers["webhook-id"];
        var leased = await table.LeasedByAsync(node.NodeId);
        Assert.Equal([webhookId], leased);

        var killed = await node.KillAsync();
        receiver.Respond = _ => Task.FromResult((200, "ok"));
        never.SetResult((200, "late"));
        var killedAt = DateTime.UtcNow;
        await node.StartAsync();

        // Lease 18 s (KillCampaign.Settings): the restart may take it only after that, then delivers it.
        var all = await receiver.WaitForAsync(2, TimeSpan.FromSeconds(90));
        var again = all[1];
        output.WriteLine($"{provider}: killed {killed} holding {webhookId}; delivered again {(again.ReceivedAt - killedAt).TotalSeconds:0.0} s after the kill by {node.NodeId}");
        Assert.Equal(webhookId, again.Headers["webhook-id"]);
        Assert.Equal(first.Body, again.Body);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<DeliveryRow> rows;
        while ((rows = await table.RowsAsync()).Any(r => r.Status != DeliveryRow.Succeeded) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var row = Assert.Single(rows);
        Assert.Equal((DeliveryRow.Succeeded, null, 1), (row.Status, row.LeaseOwner, row.AttemptsRecorded));
        Assert.Equal(2, receiver.ReceivedCount);
    }
}
