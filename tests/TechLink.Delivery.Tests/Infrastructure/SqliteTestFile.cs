using Microsoft.EntityFrameworkCore;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>A throwaway SQLite database file for one test class; the file and its -wal/-shm go with <see cref="Dispose"/>.</summary>
public sealed class SqliteTestFile(string prefix) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.db");

    public Action<DbContextOptionsBuilder> Options
    {
        get
        {
            var connectionString = $"Data Source={Path}";
            return o => o.UseSqlite(connectionString);
        }
    }

    /// <summary>The engine runs SQLite in WAL mode, as the host does.</summary>
    public static async Task UseWalAsync(DbContext db) => await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            try { File.Delete(file); } catch (IOException) { }
        }
    }
}
