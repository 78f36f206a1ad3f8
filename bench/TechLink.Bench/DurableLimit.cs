using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Signing;

namespace TechLink.Bench;

/// <summary>One delivery of the durable limit: written, then sent, then its result written.</summary>
internal sealed record LimitItem(long DeliveryId, string WebhookId, string Payload);

/// <summary>
/// The durable limit (issue 18, row 1): what the engine does minus claiming, leasing, scheduling and waking. A hand-written
/// loop on the product's own schema and indexes (the server's migrations made them): one transaction per batch inserts the
/// events and their delivery rows with prepared statements, the product's <see cref="WebhookSender"/> signs and POSTs
/// each at the engine's concurrency, and one transaction per result batch marks them delivered and inserts the attempt
/// rows. Same batch sizes as the engine (the producers' 50 per transaction, <c>ResultBatchSize</c> results). No
/// dispatcher runs (the server is started with <c>Roles=api</c> only for its schema and its sender).
/// </summary>
internal static class DurableLimit
{
    public static async Task<Throughput> RunAsync(Storage storage, ReceiverProcess receiver, int concurrency, int count, int writeBatch)
    {
        await using var server = await InProcessServer.StartAsync(storage, "api");
        var (company, ids) = await server.CreateCompanyAsync([receiver.Ok(0)]);
        var sender = server.Services.GetRequiredService<WebhookSender>();
        var resultBatch = new DeliveryOptions().ResultBatchSize;
        var target = new EndpointTarget(new Uri(receiver.Ok(0)), "token", [WebhookSecret.Generate()], true);
        await using ILimitStore store = storage.IsPostgres
            ? await PostgresLimitStore.OpenAsync(storage.PostgresConnectionString!, company, ids[0])
            : await SqliteLimitStore.OpenAsync(storage.SqliteFile, company, ids[0]);

        // The same warm-up as the engine's: rounds of 1,000 until 3 s have passed.
        var warm = Stopwatch.GetTimestamp();
        for (var round = 0; round < 50 && (round == 0 || Stopwatch.GetElapsedTime(warm) < TimeSpan.FromSeconds(3)); round++)
        {
            await receiver.ResetAsync();
            await LoopAsync(store, sender, target, concurrency, 3_000_000 + (round * 1000L), 1000, writeBatch, resultBatch);
            await receiver.WaitForAsync(1000, TimeSpan.FromSeconds(60));
        }

        await receiver.ResetAsync();
        var cpu = CpuMeter.Total(receiver.ProcessId);
        var (first, _) = await LoopAsync(store, sender, target, concurrency, 0, count, writeBatch, resultBatch);
        var s = await receiver.WaitForAsync(count, TimeSpan.FromSeconds(180));
        var micros = (CpuMeter.Total(receiver.ProcessId) - cpu).TotalMicroseconds / Math.Max(1, s.Count);
        var delivered = await store.CountDeliveredAsync();
        if (delivered < count) throw new InvalidOperationException($"durable limit: {delivered} of {count} rows marked delivered");
        return new Throughput(s.Count, Scenarios.Seconds(s.LastTimestamp - first), s.Duplicates, s.Complete) { CpuMicrosPerDelivery = micros };
    }

    /// <summary>Writer → senders → result writer, as three stages joined by channels; answers the first commit's timestamp.</summary>
    private static async Task<(long First, int Written)> LoopAsync(
        ILimitStore store, WebhookSender sender, EndpointTarget target, int concurrency, long firstSeq, int count, int writeBatch, int resultBatch)
    {
        var toSend = Channel.CreateUnbounded<LimitItem>(new UnboundedChannelOptions { SingleWriter = true });
        var results = Channel.CreateUnbounded<(LimitItem Item, AttemptOutcome Outcome)>(new UnboundedChannelOptions { SingleReader = true });
        long first = 0;
        var writer = Task.Run(async () =>
        {
            try
            {
                for (var start = 0; start < count; start += writeBatch)
                {
                    var n = Math.Min(writeBatch, count - start);
                    var payloads = new string[n];
                    for (var i = 0; i < n; i++) payloads[i] = Payloads.Json(firstSeq + start + i);
                    foreach (var item in await store.InsertAsync(payloads)) toSend.Writer.TryWrite(item);
                    if (first == 0) first = Stopwatch.GetTimestamp();
                }
            }
            finally
            {
                toSend.Writer.Complete();
            }
        });
        var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            await foreach (var item in toSend.Reader.ReadAllAsync())
            {
                var outcome = await sender.SendAsync(target, item.WebhookId, item.Payload, CancellationToken.None);
                if (outcome.Failure is not null) throw new InvalidOperationException(outcome.Error);
                results.Writer.TryWrite((item, outcome));
            }
        })).ToList();
        var completion = Task.WhenAll(senders).ContinueWith(t => results.Writer.Complete(t.Exception), TaskScheduler.Default);
        var written = 0;
        var batch = new List<(LimitItem, AttemptOutcome)>(resultBatch);
        while (await results.Reader.WaitToReadAsync())
        {
            while (batch.Count < resultBatch && results.Reader.TryRead(out var r)) batch.Add(r);
            await store.WriteResultsAsync(batch);
            written += batch.Count;
            batch.Clear();
        }

        await writer;
        await completion;
        return (first, written);
    }
}

internal interface ILimitStore : IAsyncDisposable
{
    /// <summary>One transaction: the events and one delivery row each; answers the deliveries in order.</summary>
    Task<IReadOnlyList<LimitItem>> InsertAsync(string[] payloads);

    /// <summary>One transaction: the rows marked delivered and their attempt rows inserted.</summary>
    Task WriteResultsAsync(IReadOnlyList<(LimitItem Item, AttemptOutcome Outcome)> results);

    Task<long> CountDeliveredAsync();
}

/// <summary>SQLite: per-row prepared statements (in process, no round trips), WAL and synchronous=NORMAL as the server sets them.</summary>
internal sealed class SqliteLimitStore : ILimitStore
{
    private readonly SqliteConnection _write;
    private readonly SqliteConnection _results;
    private readonly long _tenant;
    private readonly long _endpoint;

    private SqliteLimitStore(SqliteConnection write, SqliteConnection results, long tenant, long endpoint)
    {
        _write = write;
        _results = results;
        _tenant = tenant;
        _endpoint = endpoint;
    }

    public static async Task<SqliteLimitStore> OpenAsync(string file, long tenant, long endpoint)
    {
        async Task<SqliteConnection> OpenOne()
        {
            var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
            await c.OpenAsync();
            await using var pragma = c.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
            await pragma.ExecuteNonQueryAsync();
            return c;
        }

        return new SqliteLimitStore(await OpenOne(), await OpenOne(), tenant, endpoint);
    }

    public async Task<IReadOnlyList<LimitItem>> InsertAsync(string[] payloads)
    {
        await using var tx = (SqliteTransaction)await _write.BeginTransactionAsync();
        await using var message = _write.CreateCommand();
        message.Transaction = tx;
        message.CommandText = "INSERT INTO outbox_messages (tenant_id, event_type, subject, payload, created_at) VALUES ($t, 'work order note added', NULL, $p, $c) RETURNING id";
        var mp = message.Parameters.Add("$p", SqliteType.Text);
        message.Parameters.AddWithValue("$t", _tenant);
        var now = DateTime.UtcNow;
        message.Parameters.AddWithValue("$c", now);
        message.Prepare();
        await using var delivery = _write.CreateCommand();
        delivery.Transaction = tx;
        delivery.CommandText = """
            INSERT INTO deliveries (message_id, endpoint_id, tenant_id, webhook_id, status, attempt_count, next_attempt_at, created_at, is_test)
            VALUES ($m, $e, $t, $w, 0, 0, $n, $n, 0) RETURNING id
            """;
        var dm = delivery.Parameters.Add("$m", SqliteType.Integer);
        var dw = delivery.Parameters.Add("$w", SqliteType.Text);
        delivery.Parameters.AddWithValue("$e", _endpoint);
        delivery.Parameters.AddWithValue("$t", _tenant);
        delivery.Parameters.AddWithValue("$n", now);
        delivery.Prepare();
        var items = new List<LimitItem>(payloads.Length);
        foreach (var p in payloads)
        {
            mp.Value = p;
            dm.Value = (long)(await message.ExecuteScalarAsync())!;
            var webhookId = TechLink.Server.Webhooks.EventOutbox.NewWebhookId();
            dw.Value = webhookId;
            items.Add(new LimitItem((long)(await delivery.ExecuteScalarAsync())!, webhookId, p));
        }

        await tx.CommitAsync();
        return items;
    }

    public async Task WriteResultsAsync(IReadOnlyList<(LimitItem Item, AttemptOutcome Outcome)> results)
    {
        await using var tx = (SqliteTransaction)await _results.BeginTransactionAsync();
        await using var update = _results.CreateCommand();
        update.Transaction = tx;
        update.CommandText = "UPDATE deliveries SET status = 1, attempt_count = 1, completed_at = $c, last_status_code = $s WHERE id = $id";
        var uc = update.Parameters.Add("$c", SqliteType.Text);
        var us = update.Parameters.Add("$s", SqliteType.Integer);
        var uid = update.Parameters.Add("$id", SqliteType.Integer);
        update.Prepare();
        await using var attempt = _results.CreateCommand();
        attempt.Transaction = tx;
        attempt.CommandText = """
            INSERT INTO delivery_attempts (delivery_id, attempt, started_at, status_code, duration_ms, error, response_excerpt, request_headers)
            VALUES ($d, 1, $st, $s, $ms, NULL, $x, $h)
            """;
        var ad = attempt.Parameters.Add("$d", SqliteType.Integer);
        var ast = attempt.Parameters.Add("$st", SqliteType.Text);
        var asc = attempt.Parameters.Add("$s", SqliteType.Integer);
        var ams = attempt.Parameters.Add("$ms", SqliteType.Integer);
        var ax = attempt.Parameters.Add("$x", SqliteType.Text);
        var ah = attempt.Parameters.Add("$h", SqliteType.Text);
        attempt.Prepare();
        foreach (var (item, outcome) in results)
        {
            uc.Value = outcome.StartedAt + outcome.Duration;
            us.Value = (object?)outcome.StatusCode ?? DBNull.Value;
            uid.Value = item.DeliveryId;
            await update.ExecuteNonQueryAsync();
            ad.Value = item.DeliveryId;
            ast.Value = outcome.StartedAt;
            asc.Value = (object?)outcome.StatusCode ?? DBNull.Value;
            ams.Value = (int)outcome.Duration.TotalMilliseconds;
            ax.Value = (object?)outcome.ResponseExcerpt ?? DBNull.Value;
            ah.Value = outcome.RequestHeaders;
            await attempt.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }

    public async Task<long> CountDeliveredAsync()
    {
        await using var c = _results.CreateCommand();
        c.CommandText = "SELECT COUNT(*) FROM deliveries WHERE status = 1";
        return (long)(await c.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await _write.DisposeAsync();
        await _results.DisposeAsync();
    }
}

/// <summary>
/// PostgreSQL: prepared statements with array parameters (one round trip per statement, as the product's outbox writer):
/// the ids drawn from both sequences first, then the events and deliveries in one statement; the results' update and the
/// attempts' insert in one statement.
/// </summary>
internal sealed class PostgresLimitStore : ILimitStore
{
    private const string InsertSql = """
        WITH ids AS (
            SELECT n, nextval(pg_get_serial_sequence('outbox_messages', 'id')) AS mid, nextval(pg_get_serial_sequence('deliveries', 'id')) AS did
            FROM generate_series(1, cardinality(@payloads::text[])) AS n),
        m AS (
            INSERT INTO outbox_messages (id, tenant_id, event_type, subject, payload, created_at)
            SELECT ids.mid, @tenant, 'work order note added', NULL, p.payload, @now
            FROM unnest(@payloads::text[]) WITH ORDINALITY AS p(payload, n) JOIN ids USING (n)),
        d AS (
            INSERT INTO deliveries (id, message_id, endpoint_id, tenant_id, webhook_id, status, attempt_count, next_attempt_at, created_at, is_test)
            SELECT ids.did, ids.mid, @endpoint, @tenant, w.webhook, 0, 0, @now, @now, false
            FROM unnest(@webhooks::text[]) WITH ORDINALITY AS w(webhook, n) JOIN ids USING (n))
        SELECT did FROM ids ORDER BY n
        """;

    private const string ResultsSql = """
        WITH r AS (
            SELECT * FROM unnest(@ids::bigint[], @started::timestamptz[], @completed::timestamptz[], @codes::int[], @ms::int[], @excerpts::text[], @headers::text[])
                AS r(id, started, completed, code, ms, excerpt, headers)),
        u AS (
            UPDATE deliveries d SET status = 1, attempt_count = 1, completed_at = r.completed, last_status_code = r.code
            FROM r WHERE d.id = r.id)
        INSERT INTO delivery_attempts (delivery_id, attempt, started_at, status_code, duration_ms, error, response_excerpt, request_headers)
        SELECT r.id, 1, r.started, r.code, r.ms, NULL, r.excerpt, r.headers FROM r
        """;

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _write;
    private readonly NpgsqlConnection _results;
    private readonly long _tenant;
    private readonly long _endpoint;

    private PostgresLimitStore(NpgsqlDataSource source, NpgsqlConnection write, NpgsqlConnection results, long tenant, long endpoint)
    {
        _source = source;
        _write = write;
        _results = results;
        _tenant = tenant;
        _endpoint = endpoint;
    }

    public static async Task<PostgresLimitStore> OpenAsync(string connectionString, long tenant, long endpoint)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        return new PostgresLimitStore(source, await source.OpenConnectionAsync(), await source.OpenConnectionAsync(), tenant, endpoint);
    }

    public async Task<IReadOnlyList<LimitItem>> InsertAsync(string[] payloads)
    {
        var webhooks = payloads.Select(_ => TechLink.Server.Webhooks.EventOutbox.NewWebhookId()).ToArray();
        await using var tx = await _write.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(InsertSql, _write, tx);
        command.Parameters.AddWithValue("payloads", payloads);
        command.Parameters.AddWithValue("webhooks", webhooks);
        command.Parameters.AddWithValue("tenant", _tenant);
        command.Parameters.AddWithValue("endpoint", _endpoint);
        command.Parameters.AddWithValue("now", DateTime.UtcNow);
        await command.PrepareAsync();
        var items = new List<LimitItem>(payloads.Length);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var i = 0;
            while (await reader.ReadAsync())
            {
                items.Add(new LimitItem(reader.GetInt64(0), webhooks[i], payloads[i]));
                i++;
            }
        }

        await tx.CommitAsync();
        return items;
    }

    public async Task WriteResultsAsync(IReadOnlyList<(LimitItem Item, AttemptOutcome Outcome)> results)
    {
        await using var tx = await _results.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(ResultsSql, _results, tx);
        command.Parameters.AddWithValue("ids", results.Select(r => r.Item.DeliveryId).ToArray());
        command.Parameters.AddWithValue("started", results.Select(r => r.Outcome.StartedAt).ToArray());
        command.Parameters.AddWithValue("completed", results.Select(r => r.Outcome.StartedAt + r.Outcome.Duration).ToArray());
        command.Parameters.AddWithValue("codes", NpgsqlDbType.Array | NpgsqlDbType.Integer, results.Select(r => r.Outcome.StatusCode).ToArray());
        command.Parameters.AddWithValue("ms", results.Select(r => (int)r.Outcome.Duration.TotalMilliseconds).ToArray());
        command.Parameters.AddWithValue("excerpts", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Outcome.ResponseExcerpt).ToArray());
        command.Parameters.AddWithValue("headers", results.Select(r => r.Outcome.RequestHeaders).ToArray());
        await command.PrepareAsync();
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    public async Task<long> CountDeliveredAsync()
    {
        await using var c = new NpgsqlCommand("SELECT COUNT(*) FROM deliveries WHERE status = 1", _results);
        return (long)(await c.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await _write.DisposeAsync();
        await _results.DisposeAsync();
        await _source.DisposeAsync();
    }
}
