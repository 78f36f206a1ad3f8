using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TechLink.Server.Data;

/// <summary>
/// <c>synchronous=NORMAL</c> on every SQLite connection: in WAL mode a commit then survives a killed process (the
/// fault we test for) without an fsync per transaction, which the benchmarks measured as the SQLite bottleneck;
/// only a power loss or OS crash can take the last commits. PostgreSQL is the choice where that matters.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
    }
}
