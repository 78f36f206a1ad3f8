using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using static TechLink.Delivery.Model.CommandParameters;

namespace TechLink.Delivery.Outbox;

/// <summary>
/// The one place <c>techlink-sequence</c> numbers are handed out: per endpoint and subject key, from 1, by an upsert of the
/// <c>endpoint_sequences</c> counter inside the transaction that writes the deliveries. The counter's row lock holds
/// other writers of the same endpoint and subject until this transaction ends, so numbers follow commit order, without
/// gaps (a rollback takes its increment with it) or duplicates.
/// </summary>
public static class SequenceNumbers
{
    /// <summary>
    /// Adds <c>@count</c> to the counter of (<c>@endpoint</c>, <c>@subject</c>), creating it at <c>@count</c>, and answers
    /// its new value: the last of the <c>@count</c> numbers taken. The same statement on SQLite and PostgreSQL.
    /// </summary>
    internal static string Upsert(SequenceTable t) => $"""
        INSERT INTO {t.Table} AS s ({t.EndpointId}, {t.SubjectKey}, {t.Value}) VALUES (@endpoint, @subject, @count)
        ON CONFLICT ({t.EndpointId}, {t.SubjectKey}) DO UPDATE SET {t.Value} = s.{t.Value} + excluded.{t.Value}
        RETURNING {t.Value}
        """;

    /// <summary>
    /// The batch form on PostgreSQL (a CTE body): advances the counters of <c>@s_endpoint</c>/<c>@s_subject</c> by
    /// <c>@s_count</c> each, in a fixed order, and answers <c>endpoint, subject, last</c> per counter.
    /// </summary>
    internal static string UpsertMany(SequenceTable t) => $"""
        INSERT INTO {t.Table} AS s ({t.EndpointId}, {t.SubjectKey}, {t.Value})
        SELECT * FROM unnest(@s_endpoint::bigint[], @s_subject::text[], @s_count::bigint[]) ORDER BY 1, 2
        ON CONFLICT ({t.EndpointId}, {t.SubjectKey}) DO UPDATE SET {t.Value} = s.{t.Value} + excluded.{t.Value}
        RETURNING {t.EndpointId} AS endpoint, {t.SubjectKey} AS subject, {t.Value} AS last
        """;

    /// <summary>
    /// Takes the next number for <paramref name="endpointId"/> and <paramref name="subjectKey"/> inside
    /// <paramref name="db"/>'s current transaction (for a delivery added outside the outbox writer).
    /// </summary>
    public static async Task<long> NextAsync(DbContext db, long endpointId, string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(subjectKey);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Sequence numbers are taken inside the transaction that writes the delivery.");
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Upsert(SequenceTable.Of(db));
        Add(command, "endpoint", endpointId);
        Add(command, "subject", subjectKey);
        Add(command, "count", 1L);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Plans one batch: the distinct (endpoint, subject) pairs with how many numbers each takes, and for every delivery
    /// how far below its pair's new counter value its number lies (0 for the pair's last delivery in the batch; null: no
    /// subject, no number). Deliveries keep the batch's order within a pair.
    /// </summary>
    internal static SequencePlan Plan(IReadOnlyList<(long Endpoint, string? Subject)> deliveries)
    {
        var counts = new Dictionary<(long, string), long>();
        foreach (var (endpoint, subject) in deliveries)
        {
            if (subject is null) continue;
            counts[(endpoint, subject)] = counts.GetValueOrDefault((endpoint, subject)) + 1;
        }

        var seen = new Dictionary<(long, string), long>(counts.Count);
        var back = new long?[deliveries.Count];
        for (var i = 0; i < deliveries.Count; i++)
        {
            if (deliveries[i].Subject is not { } subject) continue;
            var key = (deliveries[i].Endpoint, subject);
            var rank = seen[key] = seen.GetValueOrDefault(key) + 1;
            back[i] = counts[key] - rank;
        }

        // A fixed order of the counters' row locks, so two writers never wait on each other in a circle.
        var pairs = counts.OrderBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2, StringComparer.Ordinal).ToList();
        return new SequencePlan([.. pairs.Select(p => p.Key.Item1)], [.. pairs.Select(p => p.Key.Item2)], [.. pairs.Select(p => p.Value)], back);
    }
}

/// <summary>What <see cref="SequenceNumbers.Plan"/> answers: counters to advance, and each delivery's distance below its counter.</summary>
internal sealed record SequencePlan(long[] Endpoints, string[] Subjects, long[] Counts, long?[] Back);
