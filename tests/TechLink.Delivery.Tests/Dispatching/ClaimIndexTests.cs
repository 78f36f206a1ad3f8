using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>
/// The claim indexes hold pending rows only (fewer index entries per row version, and a delivered backlog is never
/// walked). A query can use such an index only when its own predicate proves <c>status = 0</c>: these check the plans
/// each provider makes for the claims' shape (PostgreSQL with its planner's scans off, so an empty table still shows
/// which index it would take).
/// </summary>
public abstract class ClaimIndexTests : IAsyncLifetime
{
    protected const string EndpointIndex = "ix_deliveries_endpoint_id_status_next_attempt_at";
    protected const string DueIndex = "ix_deliveries_status_next_attempt_at";

    protected TestDbContext Db { get; private set; } = null!;

    protected abstract Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync();

    /// <summary>The provider's plan of <paramref name="sql"/> as text.</summary>
    protected abstract Task<string> PlanAsync(string sql, params (string Name, object Value)[] parameters);

    public virtual async Task InitializeAsync()
    {
        Db = new TestDbContext((await OptionsAsync()).UseSnakeCaseNamingConvention().Options);
        await Db.Database.EnsureCreatedAsync();
        await Db.Database.OpenConnectionAsync();
    }

    public virtual async Task DisposeAsync() => await Db.DisposeAsync();

    [Fact]
    public void Model_ClaimIndexesHoldPendingRowsOnly_RareLinksOnlyTheirRows()
    {
        var indexes = Db.Model.FindEntityType(typeof(DeliveryRecord))!.GetIndexes().ToDictionary(i => i.GetDatabaseName()!, i => i.GetFilter());

        Assert.Equal("status = 0", indexes[DueIndex]);
        Assert.Equal("status = 0", indexes[EndpointIndex]);
        Assert.Equal("redelivery_of_id IS NOT NULL", indexes["ix_deliveries_redelivery_of_id"]);
        Assert.Equal("replay_id IS NOT NULL", indexes["ix_deliveries_replay_id"]);
        Assert.Null(indexes["ix_deliveries_tenant_id_id"]);
    }

    [Fact]
    public async Task EndpointClaim_WithTheLiteralTest_ReadsThePendingIndex()
    {
        var t = DeliveryTables.Of(Db);
        var plan = await PlanAsync($"SELECT {t.Id} FROM {t.Deliveries} WHERE {t.Endpoint} = 1 AND {t.IsPending} AND {t.Next} <= @now ORDER BY {t.Next} LIMIT 8",
            ("now", DateTime.UtcNow));

        Assert.True(plan.Contains(EndpointIndex, StringComparison.Ordinal) || plan.Contains(DueIndex, StringComparison.Ordinal), plan);
    }

    [Fact]
    public async Task Discovery_ReadsThePendingIndex()
    {
        var t = DeliveryTables.Of(Db);
        var plan = await PlanAsync(t.Discover(NotExcluded), ("now", DateTime.UtcNow), ("excluded", Excluded));

        Assert.Contains(EndpointIndex, plan, StringComparison.Ordinal);
    }

    protected abstract string NotExcluded { get; }

    protected abstract object Excluded { get; }
}

public sealed class SqliteClaimIndexTests : ClaimIndexTests
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"claim-index-{Guid.NewGuid():N}.db");

    protected override string NotExcluded => "e.id NOT IN (SELECT value FROM json_each(@excluded))";

    protected override object Excluded => "[]";

    protected override Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync() =>
        Task.FromResult(new DbContextOptionsBuilder<TestDbContext>().UseSqlite($"Data Source={_file};Pooling=false"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    protected override async Task<string> PlanAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters) CommandParameters.Add(command, name, value);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        return string.Join("\n", lines);
    }
}

/// <summary>
/// PostgreSQL plans a prepared statement once for any parameters (a generic plan), and such a plan cannot prove that
/// <c>status = $1</c> is <c>status = 0</c>: the stores write the literal (<see cref="DeliveryTables.IsPending"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClaimIndexTests(OwnPostgresFixture fixture) : ClaimIndexTests
{
    protected override string NotExcluded => "NOT (e.id = ANY(@excluded))";

    protected override object Excluded => Array.Empty<long>();

    protected override async Task<DbContextOptionsBuilder<TestDbContext>> OptionsAsync() =>
        new DbContextOptionsBuilder<TestDbContext>().UseNpgsql(await fixture.Cluster.CreateDatabaseAsync("claimindex"));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan");
    }

    [Fact]
    public async Task EndpointClaim_WithTheStatusAsAParameter_CannotUseThePendingIndex()
    {
        var t = DeliveryTables.Of(Db);
        var plan = await PlanAsync($"SELECT {t.Id} FROM {t.Deliveries} WHERE {t.Endpoint} = 1 AND {t.Status} = @pending AND {t.Next} <= @now ORDER BY {t.Next} LIMIT 8",
            ("now", DateTime.UtcNow), ("pending", 0));

        Assert.DoesNotContain(EndpointIndex, plan, StringComparison.Ordinal);
        Assert.DoesNotContain(DueIndex, plan, StringComparison.Ordinal);
    }

    /// <summary>
    /// Prepared with PREPARE and explained with EXPLAIN EXECUTE under <c>force_generic_plan</c>: the plan the stores'
    /// prepared statements get once PostgreSQL stops planning them for each call (an EXPLAIN with parameters would be
    /// planned for their values instead).
    /// </summary>
    protected override async Task<string> PlanAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var types = new List<string>();
        var values = new List<string>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var (name, value) = parameters[i];
            sql = sql.Replace("@" + name, "$" + (i + 1), StringComparison.Ordinal);
            (string Type, string Literal) typed = value switch
            {
                DateTime => ("timestamptz", "now()"),
                int n => ("int", n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                long[] => ("bigint[]", "'{}'"),
                _ => throw new ArgumentException($"no PostgreSQL type for {value.GetType()}", nameof(parameters)),
            };
            types.Add(typed.Type);
            values.Add(typed.Literal);
        }

        var statement = "q" + Guid.NewGuid().ToString("N")[..8];
        var connection = Db.Database.GetDbConnection();
        await using (var prepare = connection.CreateCommand())
        {
            prepare.CommandText = $"PREPARE {statement}{(types.Count == 0 ? "" : $"({string.Join(", ", types)})")} AS {sql}";
            await prepare.ExecuteNonQueryAsync();
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"EXPLAIN EXECUTE {statement}{(values.Count == 0 ? "" : $"({string.Join(", ", values)})")}";
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    }
}
