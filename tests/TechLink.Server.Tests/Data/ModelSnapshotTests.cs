using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using TechLink.Delivery.Model;
using TechLink.Server.Data;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// The model the code builds is the one the last migration left behind, on both providers: renaming a C# property
/// (e.g. <see cref="DeliveryRecord.EventId"/>, column <c>message_id</c>) must not call for a migration.
/// </summary>
public sealed class ModelSnapshotTests
{
    public static TheoryData<string> Providers => ["Sqlite", "Postgres"];

    private static TechLinkDbContext Create(string provider) => provider == "Sqlite"
        ? new SqliteDesignTimeFactory().CreateDbContext([])
        : new PostgresDesignTimeFactory().CreateDbContext([]);

    [Theory]
    [MemberData(nameof(Providers))]
    public void Model_MatchesTheLastMigrationsSnapshot_NoPendingChanges(string provider)
    {
        using var db = Create(provider);

        Assert.False(db.Database.HasPendingModelChanges(), $"{provider}: the model differs from the last migration's snapshot");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void DeliveryIds_RenamedInCode_KeepTheirColumns(string provider)
    {
        using var db = Create(provider);
        var deliveries = db.Model.FindEntityType(typeof(DeliveryRecord))!;
        var table = StoreObjectIdentifier.Table(deliveries.GetTableName()!, deliveries.GetSchema());

        Assert.Equal("message_id", deliveries.FindProperty(nameof(DeliveryRecord.EventId))!.GetColumnName(table));
        Assert.Equal("webhook_id", deliveries.FindProperty(nameof(DeliveryRecord.WebhookMessageId))!.GetColumnName(table));
        Assert.Equal("fk_deliveries_events_message_id", Assert.Single(deliveries.GetForeignKeys(), k => k.PrincipalEntityType.ClrType == typeof(OutboxMessage)).GetConstraintName());
    }
}
