using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// Every row of every table of the app's database (and the number of stored files), so that "a rejected request wrote
/// nothing" is a comparison of two snapshots rather than a look at a few listings. The columns the dispatcher and the
/// key check update in the background (delivery progress, attempts, a key's last use) are left out: they change
/// without any request.
/// </summary>
public sealed class DatabaseSnapshot
{
    private static readonly Dictionary<string, HashSet<string>> Volatile = new(StringComparer.Ordinal)
    {
        ["deliveries"] = ["status", "attempt_count", "next_attempt_at", "lease_owner", "lease_expires_at", "completed_at", "last_error", "last_status_code"],
        ["api_keys"] = ["last_used_at"],
    };

    /// <summary>The engine writes endpoint health and stats with each result batch (issue 14).</summary>
    private static readonly HashSet<string> VolatileTables = ["delivery_attempts", "endpoint_health", "endpoint_stats"];

    private readonly Dictionary<string, List<string>> _tables;

    private DatabaseSnapshot(Dictionary<string, List<string>> tables, int files)
    {
        _tables = tables;
        Files = files;
    }

    public int Files { get; }

    public int Rows => _tables.Values.Sum(t => t.Count);

    public static async Task<DatabaseSnapshot> TakeAsync(TechLinkApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var tables = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            foreach (var table in db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal))
            {
                if (VolatileTables.Contains(table)) continue;
                tables[table] = await RowsAsync(connection, table);
            }
        }
        finally
        {
            await connection.CloseAsync();
        }

        var filesRoot = Path.Combine(app.DataPath, "files");
        var files = Directory.Exists(filesRoot) ? Directory.EnumerateFiles(filesRoot, "*", SearchOption.AllDirectories).Count() : 0;
        return new DatabaseSnapshot(tables, files);
    }

    private static async Task<List<string>> RowsAsync(DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        var skip = Volatile.GetValueOrDefault(table) ?? [];
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var name = reader.GetName(i);
                if (skip.Contains(name)) continue;
                var value = reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
                row.Append(name).Append('=').Append(value).Append("; ");
            }

            rows.Add(row.ToString());
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>Null when nothing changed since <paramref name="before"/>; otherwise which tables changed and how.</summary>
    public string? DifferenceFrom(DatabaseSnapshot before)
    {
        var differences = new List<string>();
        if (Files != before.Files) differences.Add($"stored files {before.Files} → {Files}");
        foreach (var (table, rows) in _tables)
        {
            var old = before._tables.GetValueOrDefault(table) ?? [];
            if (rows.SequenceEqual(old, StringComparer.Ordinal)) continue;
            var added = rows.Except(old, StringComparer.Ordinal).ToList();
            var removed = old.Except(rows, StringComparer.Ordinal).ToList();
            differences.Add($"{table}: {old.Count} → {rows.Count} rows" +
                (added.Count > 0 ? $"; now {Cut(added[0])}" : "") + (removed.Count > 0 ? $"; was {Cut(removed[0])}" : ""));
        }

        return differences.Count == 0 ? null : string.Join(" | ", differences);
    }

    private static string Cut(string row) => row.Length > 300 ? row[..300] + "…" : row;
}
