using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Providers;
using TechLink.Delivery.Providers.Postgres;
using TechLink.Delivery.Providers.Sqlite;
using TechLink.Delivery.Tests.Infrastructure;

namespace TechLink.Delivery.Tests.Dispatching;

/// <summary>Each provider gets its own store and wake-up source, chosen once; anything else is refused with a clear message.</summary>
public sealed class DeliveryProvidersTests
{
    [Fact]
    public async Task Store_Sqlite_SqliteStoreAndInProcessWakeUps()
    {
        var file = Path.Combine(Path.GetTempPath(), $"techlink-providers-{Guid.NewGuid():N}.db");
        try
        {
            await using var node = await DeliveryHarness.StartAsync(o => o.UseSqlite($"Data Source={file}"), new TestEndpoints(), dispatcher: false);

            Assert.IsType<SqliteDeliveryStore<TestDbContext>>(node.Services.GetRequiredService<IDeliveryStore>());
            Assert.IsType<InProcessWakeSource>(node.Services.GetRequiredService<IDeliveryWakeSource>());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Store_Postgres_PostgresStoreAndListener()
    {
        // No server is contacted: choosing the implementation only asks the DbContext which provider it uses.
        await using var node = await DeliveryHarness.StartAsync(o => o.UseNpgsql("Host=127.0.0.1;Port=1;Username=none"), new TestEndpoints(), dispatcher: false);

        Assert.IsType<PostgresDeliveryStore<TestDbContext>>(node.Services.GetRequiredService<IDeliveryStore>());
        Assert.IsType<PostgresNotificationListener<TestDbContext>>(node.Services.GetRequiredService<IDeliveryWakeSource>());
    }

    [Fact]
    public async Task Store_UnsupportedProvider_FailsWithMessageNamingTheProviders()
    {
        await using var node = await DeliveryHarness.StartAsync(o => o.UseInMemoryDatabase("unsupported"), new TestEndpoints(), dispatcher: false);

        var error = Assert.Throws<InvalidOperationException>(() => node.Services.GetRequiredService<IDeliveryStore>());

        Assert.Contains("SQLite", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.EntityFrameworkCore.InMemory", error.Message, StringComparison.Ordinal);
    }
}
