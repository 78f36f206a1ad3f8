using TechLink.Testing;

namespace TechLink.Delivery.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<OwnPostgresFixture>
{
    public const string Name = "postgres";
}
