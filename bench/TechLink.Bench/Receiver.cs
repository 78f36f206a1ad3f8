using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TechLink.Bench;

/// <summary>
/// The webhook receiver, in its own process: <c>POST /ok/{ep}</c> answers 200 at once and records the receipt time
/// (<see cref="Stopwatch.GetTimestamp"/>, CLOCK_MONOTONIC, comparable across processes on one machine) by endpoint and
/// the body's <c>seq</c>; <c>POST /slow/{ep}</c> answers 200 after <see cref="SlowAnswer"/>; <c>POST /hang/{ep}</c> never answers (the sender's timeout ends it). Lives until its stdin closes.
/// </summary>
internal static class Receiver
{
    private static readonly ConcurrentDictionary<long, long> Receipts = new();
    private static long _last;
    private static long _first;
    private static long _duplicates;
    private static long _anonymous;

    /// <summary>How long <c>POST /slow/{ep}</c> takes to answer.</summary>
    public static readonly TimeSpan SlowAnswer = TimeSpan.FromMilliseconds(100);

    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxConcurrentConnections = null;
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"LISTENING {new Uri(address).Port}");
        // The parent holds our stdin; when it exits (or closes it), so do we.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/ok/", StringComparison.Ordinal))
        {
            var ep = long.Parse(path.AsSpan(4), CultureInfo.InvariantCulture);
            var seq = await ReadSeqAsync(context.Request);
            // Bodies without our seq (the API scenario's real note events): the webhook-id, stable across attempts, tells duplicates.
            if (seq < 0 && context.Request.Headers["webhook-id"].ToString() is { Length: > 0 } webhookId) seq = StableHash(webhookId);
            Record(ep, seq);
            context.Response.StatusCode = 200;
            return;
        }

        if (path.StartsWith("/slow/", StringComparison.Ordinal))
        {
            // A receiver that takes 100 ms to answer (its own work, a database, a queue): the time is awaited, no thread sleeps.
            var ep = long.Parse(path.AsSpan(6), CultureInfo.InvariantCulture);
            var seq = await ReadSeqAsync(context.Request);
            await Task.Delay(SlowAnswer, context.RequestAborted);
            Record(ep, seq);
            context.Response.StatusCode = 200;
            return;
        }

        if (path.StartsWith("/hang/", StringComparison.Ordinal))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The sender gave up: that is the point.
            }

            return;
        }

        switch (path)
        {
            case "/reset":
                Receipts.Clear();
                Interlocked.Exchange(ref _last, 0);
                Interlocked.Exchange(ref _first, 0);
                Interlocked.Exchange(ref _duplicates, 0);
                Interlocked.Exchange(ref _anonymous, 0);
                return;
            case "/stats":
                await context.Response.WriteAsync(FormattableString.Invariant($"{Receipts.Count} {Volatile.Read(ref _last)} {Volatile.Read(ref _duplicates)} {Volatile.Read(ref _first)}"));
                return;
            case "/receipts":
                var text = new StringBuilder();
                foreach (var (key, ts) in Receipts) text.Append(CultureInfo.InvariantCulture, $"{key >> 32} {key & 0xFFFFFFFF} {ts}\n");
                await context.Response.WriteAsync(text.ToString());
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private static void Record(long ep, long seq)
    {
        var now = Stopwatch.GetTimestamp();
        if (seq < 0) seq = 0x7FFFFFFF - Interlocked.Increment(ref _anonymous);
        if (!Receipts.TryAdd((ep << 32) | (seq & 0xFFFFFFFF), now)) Interlocked.Increment(ref _duplicates);
        Interlocked.CompareExchange(ref _first, now, 0);
        long last;
        while (now > (last = Volatile.Read(ref _last)) && Interlocked.CompareExchange(ref _last, now, last) != last)
        {
        }
    }

    private static long StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s) h = (h ^ c) * 16777619u;
        return h & 0x7FFFFFFF;
    }

    private static async Task<long> ReadSeqAsync(HttpRequest request)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length))) > 0) length += read;
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
            try
            {
                while (reader.Read())
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("seq"u8))
                    {
                        reader.Read();
                        return reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : -1;
                    }
                }
            }
            catch (JsonException)
            {
                // Not ours: counted without a sequence number.
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
