using TechLink.Testing;

// Each test here runs whole server processes and owns the two cores while it runs: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>The shared PostgreSQL cluster (TECHLINK_TEST_PG in CI); tests that stop PostgreSQL start their own.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
