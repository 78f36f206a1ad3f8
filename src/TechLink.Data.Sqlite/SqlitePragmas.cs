using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TechLink.Data.Sqlite;

/// <summary>
/// <c>synchronous=NORMAL</c> on every SQLite connection: in WAL mode a commit then survives a killed process (the
/// fault we test for) without an fsync per transaction, which the benchmarks measured as the SQLite bottleneck;
/// only a power loss or OS crash can take the last commits. PostgreSQL is the choice where that matters.
/// Set once per native connection: pooled connections keep it, and EF opens one for every unit of work.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        var handle = (connection as SqliteConnection)?.Handle;
        if (handle is not null && Configured.TryGetValue(handle, out _)) return;
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY;";
        command.ExecuteNonQuery();
        if (handle is not null) Configured.AddOrUpdate(handle, handle);
    }
}
