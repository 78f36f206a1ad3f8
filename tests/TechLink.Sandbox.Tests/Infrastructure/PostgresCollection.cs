using TechLink.Testing;

namespace TechLink.Sandbox.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "sandbox-postgres";
}
