using TechLink.Faults.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Faults.Tests.Kills;

/// <summary>SIGKILL 20 times at random moments while 10,000 events go to 50 endpoints: nothing lost, duplicates bounded.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SigkillTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-fault-tests", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Sqlite_Killed20TimesDuring10000EventsTo50Endpoints_NothingLostAndDuplicatesBoundedByInFlight()
    {
        Directory.CreateDirectory(_dataPath);
        await using var node = new ServerNode("sqlite", id => ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null, "all", KillCampaign.Settings(id)));
        var campaign = new KillCampaign(output, [node], DeliveryTable.Sqlite(_dataPath));
        await campaign.RunAsync("SIGKILL ×20 during 10,000 events to 50 endpoints (SQLite)");
    }

    [Fact]
    public async Task PostgresThreeNodes_Killed20TimesDuring10000EventsTo50Endpoints_NothingLostAndDuplicatesBoundedByInFlight()
    {
        Directory.CreateDirectory(_dataPath);
        var cs = await postgres.Cluster.CreateDatabaseAsync("faults");
        // The nodes share one DataPath, as nodes of one deployment share their files and Data Protection key ring
        // (registration secrets are encrypted with it, so a node with a ring of its own could not sign for the others).
        await using var a = new ServerNode("pg-a", id => ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "all", KillCampaign.Settings(id)));
        await using var b = new ServerNode("pg-b", id => ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "all", KillCampaign.Settings(id)));
        await using var c = new ServerNode("pg-c", id => ServerProcess.StartAsync(Provider.Postgres, _dataPath, cs, "all", KillCampaign.Settings(id)));
        var campaign = new KillCampaign(output, [a, b, c], DeliveryTable.Postgres(cs));
        await campaign.RunAsync("SIGKILL ×20 across 3 nodes during 10,000 events to 50 endpoints (PostgreSQL)");
    }
}
