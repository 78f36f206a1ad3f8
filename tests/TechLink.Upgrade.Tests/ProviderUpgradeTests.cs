using TechLink.Upgrade.Tests.Infrastructure;

// Each class runs a whole server (and PostgreSQL) and owns the two cores while it runs: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TechLink.Upgrade.Tests;

/// <summary>The old release's SQLite deployment (Production): techlink.db, key ring and files in one DataPath.</summary>
public sealed class SqliteUpgradeTests(SqliteDeployment deployment) : UpgradeTests(deployment), IClassFixture<SqliteDeployment>;

/// <summary>The old release's PostgreSQL deployment (Sandbox with its demo data): a pg_dump and a DataPath.</summary>
public sealed class PostgresUpgradeTests(PostgresDeployment deployment) : UpgradeTests(deployment), IClassFixture<PostgresDeployment>;
