using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace TechLink.Testing;

/// <summary>A request as the receiver saw it.</summary>
public sealed record ReceivedRequest(string Path, string Method, IReadOnlyDictionary<string, string> Headers, string Body, DateTime ReceivedAt);

/// <summary>A request whose answer the receiver wrote in full while the sender was still connected.</summary>
public sealed record AnsweredRequest(ReceivedRequest Request, int Status, DateTime AnsweredAt);

/// <summary>
/// A real Kestrel server on 127.0.0.1 with a free port, recording every request. The answer is chosen by
/// <see cref="Respond"/> (default 200). Tests wait on <see cref="WaitForAsync"/>, which is signalled by each
/// arrival rather than polled with sleeps.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<AnsweredRequest> _answered = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private LoopbackReceiver(WebApplication app) => _app = app;

    public Func<ReceivedRequest, Task<(int Status, string Body)>> Respond { get; set; } = _ => Task.FromResult((200, "ok"));

    /// <summary>Extra headers of the answer (e.g. Retry-After), chosen per request; null for none.</summary>
    public Func<ReceivedRequest, IReadOnlyDictionary<string, string>?> ResponseHeaders { get; set; } = _ => null;

    public Uri BaseUrl { get; private set; } = null!;

    public Uri Url(string path = "/hook") => new(BaseUrl, path);

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public int ReceivedCount => _received.Count;

    /// <summary>Requests answered in full; a request the sender gave up on before the answer is not here.</summary>
    public IReadOnlyList<AnsweredRequest> Answered => [.. _answered];

    /// <summary>Starts on <paramref name="port"/>, or a free port when 0 (a fixed port: URLs an old release stored, the upgrade tests).</summary>
    public static async Task<LoopbackReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        receiver.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests matched, or throws after the timeout.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan timeout, Func<ReceivedRequest, bool>? where = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var matching = _received.Where(r => where is null || where(r)).ToList();
            if (matching.Count >= count) return matching;
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} requests, got {matching.Count} within {timeout}");
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var request = new ReceivedRequest(context.Request.Path, context.Request.Method, headers, body, DateTime.UtcNow);
        _received.Enqueue(request);
        _arrived.Release();
        var (status, answer) = await Respond(request);
        context.Response.StatusCode = status;
        foreach (var (name, value) in ResponseHeaders(request) ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        await context.Response.WriteAsync(answer, context.RequestAborted);
        await context.Response.CompleteAsync();
        if (!context.RequestAborted.IsCancellationRequested) _answered.Enqueue(new AnsweredRequest(request, status, DateTime.UtcNow));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
