using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;

namespace TechLink.Server.Tests.Data;

/// <summary>The provider is chosen once, from configuration, when the database is registered; nothing else asks which it is.</summary>
public sealed class DatabaseRegistrationTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-registration-" + Guid.NewGuid().ToString("N")[..12]);

    private IServiceCollection Register(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)).Append(KeyValuePair.Create("TechLink:DataPath", (string?)_dataPath)))
            .Build();
        return new ServiceCollection().AddTechLinkDatabase(configuration);
    }

    [Fact]
    public void AddTechLinkDatabase_NoProvider_RegistersSqliteInTheDataPath()
    {
        var services = Register();

        using var provider = services.BuildServiceProvider();
        Assert.Same(SqliteDataProvider.Instance, provider.GetRequiredService<DataProvider>());
        Assert.Contains(typeof(IDbContextFactory<SqliteTechLinkDbContext>), services.Select(s => s.ServiceType));
        Assert.True(File.Exists(Path.Combine(_dataPath, "techlink.db")));
    }

    [Fact]
    public void AddTechLinkDatabase_Postgres_RegistersPostgresContext()
    {
        var services = Register(("TechLink:Database:Provider", "Postgres"), ("ConnectionStrings:TechLink", "Host=localhost;Database=nowhere"));

        using var provider = services.BuildServiceProvider();
        Assert.Same(PostgresDataProvider.Instance, provider.GetRequiredService<DataProvider>());
        Assert.Contains(typeof(IDbContextFactory<PostgresTechLinkDbContext>), services.Select(s => s.ServiceType));
        Assert.DoesNotContain(typeof(IDbContextFactory<SqliteTechLinkDbContext>), services.Select(s => s.ServiceType));
    }

    [Fact]
    public void AddTechLinkDatabase_PostgresWithoutConnectionString_FailsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Register(("TechLink:Database:Provider", "Postgres")));

        Assert.Contains("ConnectionStrings:TechLink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTechLinkDatabase_UnknownProvider_FailsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Register(("TechLink:Database:Provider", "Oracle")));

        Assert.Contains("TechLink:Database:Provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_AKindNoAssemblyServes_FailsListingTheSupportedOnes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DataProvider.Choose((DatabaseProvider)42, DatabaseRegistration.Providers));

        Assert.Contains("Sqlite, Postgres", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataPath)) Directory.Delete(_dataPath, recursive: true);
    }
}
