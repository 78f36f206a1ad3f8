using Microsoft.EntityFrameworkCore;

namespace TechLink.Sandbox.Tests.Refresh;

/// <summary>
/// The refresh's table lists come from the model: every table is copied, upserted or kept, and a table added
/// without a decision stops the refresh (and this test) instead of being silently copied or left behind.
/// </summary>
public sealed class SandboxTablesTests
{
    public static TheoryData<string> Providers => ["Sqlite", "Postgres"];

    private static TechLinkDbContext Model(string provider) => provider == "Sqlite"
        ? SqliteDataProvider.Instance.Open("Data Source=:memory:")
        : PostgresDataProvider.Instance.Open("Host=localhost;Database=design");

    [Theory]
    [MemberData(nameof(Providers))]
    public void Of_TheModel_DecidesEveryTableOnce(string provider)
    {
        using var db = Model(provider);

        var tables = SandboxTables.Of(db.Model);

        var decided = tables.CopiedParentsFirst.Concat(tables.UpsertedTables).Concat(tables.KeptTables).Select(t => t.GetTableName()).ToList();
        Assert.Equal(db.Model.GetEntityTypes().Select(t => t.GetTableName()).Order(StringComparer.Ordinal), decided.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void Of_TheModel_CopiesProductionsAccountsSitesAndWorkOrdersParentsFirst(string provider)
    {
        using var db = Model(provider);

        var tables = SandboxTables.Of(db.Model);

        Assert.Equal(
            ["roles", "role_claims", "users", "user_claims", "user_logins", "user_roles", "user_tokens", "sites", "work_orders",
             "work_order_status_changes", "work_order_notes", "work_order_files", "work_order_questions", "work_order_tasks"],
            tables.CopiedParentsFirst.Select(SandboxTables.NameOf));
        var copied = tables.CopiedParentsFirst.ToList();
        Assert.All(copied, t => Assert.All(
            t.GetForeignKeys().Select(k => k.PrincipalEntityType).Where(copied.Contains),
            parent => Assert.True(copied.IndexOf(parent) < copied.IndexOf(t), $"{t.GetTableName()} is written before {parent.GetTableName()}")));
        Assert.Equal(["companies"], tables.UpsertedTables.Select(SandboxTables.NameOf));
    }

    [Fact]
    public void Of_AModelWithATableNobodyDecidedOn_Refuses()
    {
        using var db = new WithANewTable();

        var error = Assert.Throws<InvalidOperationException>(() => SandboxTables.Of(db.Model));

        Assert.Contains("new_things", error.Message, StringComparison.Ordinal);
    }

    private sealed class NewThing
    {
        public long Id { get; set; }
    }

    private sealed class WithANewTable() : TechLinkDbContext(new DbContextOptionsBuilder().UseSqlite("Data Source=:memory:").Options)
    {
        protected override void OnModelCreating(ModelBuilder builder)
        {
            base.OnModelCreating(builder);
            builder.Entity<NewThing>().ToTable("new_things");
        }
    }
}
