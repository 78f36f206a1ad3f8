using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Hostile;

/// <summary>
/// 100 misbehaving receivers at once through the dispatcher (SQLite): every attempt ends within the timeout plus one
/// second, and memory stays flat, so neither an endless body nor huge headers are ever buffered.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class MisbehavingReceiverLoadTests : IAsyncLifetime
{
    private const int EndpointCount = 100;
    private const int DeliveriesPerEndpoint = 3;
    private const long MemoryBound = 50L * 1024 * 1024;
    private static readonly TimeSpan AttemptTimeout = MisbehavingReceiverTests.AttemptTimeout;
    private static readonly TimeSpan Bound = AttemptTimeout + MisbehavingReceiverTests.Slack;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"techlink-hostile-{Guid.NewGuid():N}.db");
    private readonly List<MisbehavingReceiver> _receivers = [];
    private readonly TcpListener _redirectTrap = new(IPAddress.Loopback, 0);

    private sealed record Kind(Misbehavior Behavior, int Status, string Error, bool Succeeds = false, bool Accepts = true);

    private static readonly Kind[] Kinds =
    [
        new(Misbehavior.NeverAccept, 0, "timed out after 2 s", Accepts: false),
        new(Misbehavior.BacklogFull, 0, "timed out after 2 s", Accepts: false),
        new(Misbehavior.AcceptNeverAnswer, 0, "timed out after 2 s"),
        new(Misbehavior.DripHeaders, 0, "timed out after 2 s"),
        new(Misbehavior.DripBody, 0, "HTTP 500 Internal Server Error"),
        new(Misbehavior.EndlessBody, 0, "", Succeeds: true),
        new(Misbehavior.EndlessErrorBody, 0, "HTTP 500 Internal Server Error"),
        new(Misbehavior.HugeHeaders, 0, "answer headers too large"),
        new(Misbehavior.HugeHeaderLine, 0, "answer headers too large"),
        new(Misbehavior.EndlessInterim, 0, "timed out after 2 s"),
        new(Misbehavior.Status, 302, "redirect (302) not followed"),
        new(Misbehavior.Status, 307, "redirect (307) not followed"),
        new(Misbehavior.Status, 404, "HTTP 404 Not Found"),
        new(Misbehavior.Status, 410, "HTTP 410 Gone"),
        new(Misbehavior.Status, 429, "HTTP 429 Too Many Requests"),
        new(Misbehavior.Status, 500, "HTTP 500 Internal Server Error"),
        new(Misbehavior.Status, 503, "HTTP 503 Service Unavailable"),
    ];

    public Task InitializeAsync()
    {
        _redirectTrap.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var receiver in _receivers) await receiver.DisposeAsync();
        _redirectTrap.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            try { File.Delete(file); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Dispatcher_HundredMisbehavingEndpoints_EveryAttemptBoundedAndMemoryFlat()
    {
        var endpoints = new TestEndpoints();
        var kindOf = new Dictionary<long, Kind>();
        var receiverOf = new Dictionary<long, MisbehavingReceiver>();
        var trapUrl = $"http://127.0.0.1:{((IPEndPoint)_redirectTrap.LocalEndpoint).Port}/steal";
        for (var i = 0; i < EndpointCount; i++)
        {
            var kind = Kinds[i % Kinds.Length];
            var headers = new Dictionary<string, string> { ["Location"] = trapUrl };
            if (kind.Status is 429 or 503) headers["Retry-After"] = "1";
            var receiver = await MisbehavingReceiver.StartAsync(kind.Behavior, kind.Status, headers);
            _receivers.Add(receiver);
            var id = endpoints.Add(receiver.Url, "tok-" + i.ToString(CultureInfo.InvariantCulture));
            kindOf[id] = kind;
            receiverOf[id] = receiver;
        }

        Action<DbContextOptionsBuilder> database = o => o.UseSqlite($"Data Source={_path}");
        await using (var db = Context(database))
        {
            await db.Database.EnsureCreatedAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        await using var node = await DeliveryHarness.StartAsync(database, endpoints, new Dictionary<string, string?>
        {
            ["TechLink:Delivery:Timeout"] = "00:00:02",
            ["TechLink:Delivery:MaxAttempts"] = "2",
            ["TechLink:Delivery:RetryDelayMin"] = "00:00:00.200",
            ["TechLink:Delivery:RetryDelayMax"] = "00:00:00.500",
            ["TechLink:Delivery:MaxConcurrency"] = "400",
            ["TechLink:Delivery:IdlePollInterval"] = "00:00:00.200",
        });

        // Round 1, the same size, warms up what the process needs once at this concurrency (JIT, EF model, pools,
        // thread-pool threads); round 2 is measured against it, so growth means memory that the traffic itself holds.
        await RunRoundAsync(node, endpoints, DeliveriesPerEndpoint);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var privateBefore = PrivateBytes();
        var addressSpaceBefore = AddressSpaceBytes();
        using var sampling = new CancellationTokenSource();
        long heapPeak = 0, privatePeak = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                privatePeak = Math.Max(privatePeak, PrivateBytes());
                await Task.Delay(50);
            }
        });
        var sentBefore = _receivers.Sum(r => r.BytesSent);
        var round = Stopwatch.StartNew();
        var records = await RunRoundAsync(node, endpoints, DeliveriesPerEndpoint);
        var roundTime = round.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var privateAfter = PrivateBytes();
        var addressSpaceGrowth = AddressSpaceBytes() - addressSpaceBefore;
        var offered = _receivers.Sum(r => r.BytesSent) - sentBefore;

        var attempts = records.SelectMany(r => r.Attempts.Select(a => (Record: r, Attempt: a))).ToList();
        var longest = attempts.Max(a => a.Attempt.DurationMs);
        var overBound = attempts.Count(a => a.Attempt.DurationMs > Bound.TotalMilliseconds);
        // Connections that carried a complete answer may rightly stay pooled; every other one must be let go in time.
        var lifetimes = _receivers.Where(r => r.Kind is not (Misbehavior.Status or Misbehavior.NeverAccept or Misbehavior.BacklogFull)).SelectMany(r => r.Lifetimes).ToList();
        var longestLifetime = lifetimes.Count == 0 ? TimeSpan.Zero : lifetimes.Max();
        var wrongOutcome = attempts.Count(a =>
        {
            var kind = kindOf[a.Record.EndpointId];
            return kind.Succeeds ? a.Attempt.Error is not null : a.Attempt.Error != kind.Error;
        });
        var widestExcerpt = attempts.Max(a => Encoding.UTF8.GetByteCount(a.Attempt.ResponseExcerpt ?? ""));
        var heapGrowth = heapAfter - heapBefore;
        var heapPeakGrowth = heapPeak - heapBefore;
        var privateGrowth = privateAfter - privateBefore;
        var privatePeakGrowth = privatePeak - privateBefore;
        var trapped = _redirectTrap.Pending();
        ReliabilityLog.Record(
            "Receivers",
            $"{EndpointCount} misbehaving endpoints at once ({Kinds.Length} kinds), {DeliveriesPerEndpoint} deliveries each, through the dispatcher (SQLite), timeout 2 s",
            tries: attempts.Count,
            lost: overBound + wrongOutcome,
            detail: $"longest attempt {longest} ms (bound {Bound.TotalMilliseconds:0} ms); longest connection seen by a receiver {longestLifetime.TotalMilliseconds:0} ms; "
                + $"round {roundTime.TotalSeconds:0.0} s; receivers offered {offered / (1024 * 1024)} MB; widest excerpt {widestExcerpt} B; "
                + $"managed heap after full GC {Mb(heapGrowth)} MB (peak before collection {Mb(heapPeakGrowth)} MB); private resident memory {Mb(privateGrowth)} MB, peak {Mb(privatePeakGrowth)} MB (bound 50 MB; PrivateMemorySize64 {Mb(addressSpaceGrowth)} MB); "
                + $"redirect target connections {(trapped ? "≥1" : "0")}");

        Assert.All(records, r => Assert.NotEqual(DeliveryStatus.Pending, r.Status));
        Assert.Equal(0, wrongOutcome);
        Assert.True(overBound == 0, $"{overBound} attempts took longer than {Bound}; longest {longest} ms");
        Assert.True(longestLifetime <= Bound, $"a receiver held a connection for {longestLifetime}");
        Assert.InRange(widestExcerpt, 1, 4096);
        Assert.False(trapped, "a redirect was followed");
        Assert.True(heapGrowth < MemoryBound, $"managed heap grew by {Mb(heapGrowth)} MB");
        Assert.True(privateGrowth < MemoryBound, $"private memory grew by {Mb(privateGrowth)} MB");
        Assert.True(privatePeakGrowth < MemoryBound, $"private memory peaked {Mb(privatePeakGrowth)} MB above the start");
        // The receivers offered more than the bound allows: had it all been kept, the memory checks above would have failed.
        Assert.True(offered > MemoryBound, $"the receivers offered only {Mb(offered)} MB");
    }

    private static long Mb(long bytes) => bytes / (1024 * 1024);

    /// <summary>
    /// Private memory actually resident: RssAnon on Linux. (Process.PrivateMemorySize64 is VmData there, address space
    /// that grows by 8 MB of reserved stack with every thread-pool thread, touched or not.)
    /// </summary>
    private static long PrivateBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    return long.Parse(line["RssAnon:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var process = Process.GetCurrentProcess();
        return process.PrivateMemorySize64;
    }

    private static long AddressSpaceBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.PrivateMemorySize64;
    }

    private static TestDbContext Context(Action<DbContextOptionsBuilder> database)
    {
        var builder = new DbContextOptionsBuilder<TestDbContext>();
        database(builder);
        builder.UseSnakeCaseNamingConvention();
        return new TestDbContext(builder.Options);
    }

    /// <summary>Adds <paramref name="perEndpoint"/> deliveries to every endpoint and waits until none is pending.</summary>
    private static async Task<List<DeliveryRecord>> RunRoundAsync(DeliveryHarness node, TestEndpoints endpoints, int perEndpoint)
    {
        var now = DateTime.UtcNow;
        var ids = new List<long>();
        await using (var db = await node.CreateDbAsync())
        {
            var records = new List<DeliveryRecord>();
            for (long endpoint = 1; endpoint <= EndpointCount; endpoint++)
            {
                _ = endpoints[endpoint];
                records.AddRange(TestDeliveries.Add(db, endpoint, perEndpoint, now, i => "{\"n\":" + i + "}"));
            }

            await db.SaveChangesAsync();
            ids.AddRange(records.Select(r => r.Id));
        }

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var db = await node.CreateDbAsync();
            var pending = await db.Deliveries.CountAsync(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending);
            if (pending == 0) return await db.Deliveries.AsNoTracking().Include(d => d.Attempts).Where(d => ids.Contains(d.Id)).ToListAsync();
            if (deadline.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"{pending} of {ids.Count} deliveries still pending after 90 s");
            await Task.Delay(200);
        }
    }
}
