using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace TechLink.Delivery.Model;

/// <summary>Quoted table and column names of the engine's entities in the host's model (snake_case or not), for hand-written SQL.</summary>
internal static class StoreNames
{
    /// <summary>The quoted table of <typeparamref name="T"/> and a quoted column by property name.</summary>
    public static (string Table, Func<string, string> Column) Of<T>(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException("DeliveryModel.Apply was not called on this DbContext.");
        var tableName = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
        var table = entity.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(tableName)}" : Quote(tableName);
        return (table, property => Quote(entity.FindProperty(property)!.GetColumnName(store)!));
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
