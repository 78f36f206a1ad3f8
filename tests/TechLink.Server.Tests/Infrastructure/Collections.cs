using TechLink.Testing;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>
/// PostgreSQL tests, and anything that changes process-wide state (the event catalog), run alone and in order:
/// after the parallel SQLite classes, so timing-sensitive delivery checks do not fight for the two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
