using System.Diagnostics;
using System.Net.Http.Headers;
using Hangfire;
using Hangfire.PostgreSql;

namespace TechLink.Bench;

/// <summary>The job Hangfire runs: the same POST as the engine's, once per delivery.</summary>
public static class PeerJob
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256, AllowAutoRedirect = false });

    public static string Url { get; set; } = "";

    public static async Task PostAsync(long seq)
    {
        using var content = new ByteArrayContent(Payloads.Bytes(seq));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Client.PostAsync(Url, content);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>6. peer: one Hangfire job per delivery on the same PostgreSQL, as many workers as the engine's concurrency.</summary>
internal static class HangfirePeer
{
    /// <summary>
    /// The row's rate, and when it did not finish, what Hangfire says of its jobs. The waits are bounded so that the row
    /// fits in the quick run's five minutes even when Hangfire stalls (seen about once in ten quick runs: the run then
    /// ended at its bound with no SUMMARY line).
    /// </summary>
    public static async Task<(Throughput Rate, string? Stalled)> RunAsync(string connectionString, ReceiverProcess receiver, int workers, int jobs)
    {
        PeerJob.Url = receiver.Ok(0);
        var options = new PostgreSqlStorageOptions
        {
            PrepareSchemaIfNecessary = true,
            // LISTEN/NOTIFY wake-up, like the engine; the poll is only the fallback.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(200),
        };
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), options);
        var client = new BackgroundJobClient();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, ServerName = "bench" });

        // The rows before leave their receipts: without a reset the warm-up's wait would return at once.
        await receiver.ResetAsync();
        await EnqueueAsync(client, 3_000_000, 200);
        // A warm-up that did not finish may still be delivering into the measured run: the row then says it is incomplete.
        var warm = await receiver.WaitForAsync(200, TimeSpan.FromSeconds(30));
        var stalled = warm.Complete ? null : $"warm-up: {warm.Count} of 200 received; {Jobs()}";
        await receiver.ResetAsync();

        var first = await EnqueueAsync(client, 0, jobs);
        var s = await receiver.WaitForAsync(jobs, TimeSpan.FromSeconds(Math.Max(60, jobs / 25.0)));
        if (!s.Complete) stalled = $"{(stalled is null ? "" : stalled + "; ")}run: {Jobs()}";
        server.SendStop();
        return (new Throughput(s.Count, Scenarios.Seconds(s.LastTimestamp - first), s.Duplicates, s.Complete && warm.Complete), stalled);
    }

    private static string Jobs()
    {
        var j = JobStorage.Current.GetMonitoringApi().GetStatistics();
        return $"Hangfire: {j.Enqueued} enqueued, {j.Processing} processing, {j.Scheduled} scheduled (retries), {j.Failed} failed, {j.Succeeded} succeeded, {j.Servers} servers";
    }

    private static async Task<long> EnqueueAsync(BackgroundJobClient client, long firstSeq, int count)
    {
        long first = 0;
        var next = -1L;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var seq = firstSeq + i;
                client.Enqueue(() => PeerJob.PostAsync(seq));
                Interlocked.CompareExchange(ref first, Stopwatch.GetTimestamp(), 0);
            }
        })));
        return first;
    }
}
