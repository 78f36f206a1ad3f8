using TechLink.Testing;

namespace TechLink.Upgrade.Tests.Infrastructure;

/// <summary>The SQLite deployment: <c>techlink.db</c> lies in the DataPath with the key ring and the files.</summary>
public sealed class SqliteDeployment() : UpgradedDeployment(Provider.Sqlite, "sqlite")
{
    protected override Task<string?> RestoreDatabaseAsync() => Task.FromResult<string?>(null);
}
