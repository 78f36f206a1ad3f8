using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>How a <see cref="MisbehavingReceiver"/> treats the connections it gets.</summary>
public enum Misbehavior
{
    /// <summary>Listens but never accepts: the kernel completes the handshake, nobody ever reads or answers.</summary>
    NeverAccept,
    /// <summary>Listens with its accept queue already full: the SYN is dropped, the connect never completes (a local blackhole).</summary>
    BacklogFull,
    /// <summary>Accepts and reads everything, never writes a byte.</summary>
    AcceptNeverAnswer,
    /// <summary>Starts a status line and dribbles header bytes, one a second, forever.</summary>
    DripHeaders,
    /// <summary>Answers 500 with complete headers, then dribbles the body one byte a second.</summary>
    DripBody,
    /// <summary>Answers 200 with a chunked body that never ends, as fast as the socket takes it.</summary>
    EndlessBody,
    /// <summary>Answers 500 with a chunked body that never ends.</summary>
    EndlessErrorBody,
    /// <summary>1 MB of header lines (1 KB each).</summary>
    HugeHeaders,
    /// <summary>One header line of 1 MB.</summary>
    HugeHeaderLine,
    /// <summary>"102 Processing" interim answers, one every 50 ms, never a final one.</summary>
    EndlessInterim,
    /// <summary>Answers <see cref="MisbehavingReceiver.Status"/> with a 100 KB body and the configured headers (Location, Retry-After).</summary>
    Status,
}

/// <summary>
/// A raw TCP "HTTP server" on 127.0.0.1 that misbehaves on purpose. It records how long each accepted connection
/// lived, from accept until the client closed it, as seen from the receiver's side, and how many requests reached it.
/// </summary>
public sealed class MisbehavingReceiver : IAsyncDisposable
{
    private static readonly byte[] Filler = Encoding.ASCII.GetBytes(new string('x', 1024));
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TimeSpan> _lifetimes = [];
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting = Task.CompletedTask;
    private int _accepted;
    private int _requests;
    private long _bytesSent;

    private MisbehavingReceiver(Misbehavior kind, int status, IReadOnlyDictionary<string, string>? headers, string? reason, string? body)
    {
        Body = body ?? new StringBuilder().Insert(0, "status body ", 100 * 1024 / 12).ToString();
        Kind = kind;
        Status = status;
        Reason = reason ?? StandardReason(status);
        Headers = headers ?? new Dictionary<string, string>();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(kind is Misbehavior.NeverAccept or Misbehavior.BacklogFull ? 0 : 512);
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/hook");
        if (kind is not (Misbehavior.NeverAccept or Misbehavior.BacklogFull)) _accepting = AcceptAsync();
    }

    private static string StandardReason(int status)
    {
        using var message = new HttpResponseMessage((HttpStatusCode)status);
        return message.ReasonPhrase ?? "Whatever";
    }

    public Misbehavior Kind { get; }

    public int Status { get; }

    /// <summary>The reason phrase on the status line (the standard one unless given).</summary>
    public string Reason { get; }

    /// <summary>The body of a <see cref="Misbehavior.Status"/> answer (100 KB of ASCII unless given).</summary>
    public string Body { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public Uri Url { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Complete request heads received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Accept-to-client-close time of every connection the client has closed so far.</summary>
    public IReadOnlyCollection<TimeSpan> Lifetimes => [.. _lifetimes];

    public static async Task<MisbehavingReceiver> StartAsync(Misbehavior kind, int status = 0, IReadOnlyDictionary<string, string>? headers = null, string? reason = null, string? body = null)
    {
        var receiver = new MisbehavingReceiver(kind, status, headers, reason, body);
        if (kind == Misbehavior.BacklogFull) await receiver.FillBacklogAsync();
        return receiver;
    }

    /// <summary>Connects until a connect no longer completes: from then on the listener drops every SYN.</summary>
    private async Task FillBacklogAsync()
    {
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _fillers.Add(socket);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await socket.ConnectAsync(_listener.LocalEndPoint!, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        throw new InvalidOperationException("the accept queue never filled up");
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _connections.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var alive = Stopwatch.StartNew();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var requests = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        // The reader runs all the time: it sees the request heads, and the client's close the moment it happens.
        var reader = ReadAsync(socket, requests.Writer, alive, connection);
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            while (await requests.Reader.WaitToReadAsync(connection.Token))
            {
                requests.Reader.TryRead(out _);
                await MisbehaveAsync(stream, connection.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (or the test ended).
        }

        await connection.CancelAsync();
        await reader;
        socket.Dispose();
    }

    /// <summary>
    /// Reads and discards until the client closes; signals each complete request (head plus Content-Length body).
    /// The client's close ends the connection's misbehaviour and records its lifetime.
    /// </summary>
    private async Task ReadAsync(Socket socket, System.Threading.Channels.ChannelWriter<bool> requests, Stopwatch alive, CancellationTokenSource connection)
    {
        var buffer = new byte[16 * 1024];
        var pending = new List<byte>();
        var bodyLeft = 0L;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, connection.Token);
                if (n == 0) break;
                var offset = 0;
                while (offset < n)
                {
                    if (bodyLeft > 0)
                    {
                        var take = (int)Math.Min(bodyLeft, n - offset);
                        bodyLeft -= take;
                        offset += take;
                        if (bodyLeft == 0) Signal();
                        continue;
                    }

                    pending.Add(buffer[offset++]);
                    if (pending.Count >= 4 && pending[^1] == '\n' && pending[^2] == '\r' && pending[^3] == '\n' && pending[^4] == '\r')
                    {
                        var head = Encoding.ASCII.GetString([.. pending]);
                        pending.Clear();
                        bodyLeft = ContentLength(head);
                        if (bodyLeft == 0) Signal();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset by the client, or the test ended.
        }

        if (!_stop.IsCancellationRequested) _lifetimes.Add(alive.Elapsed);
        requests.TryComplete();
        await connection.CancelAsync();

        void Signal()
        {
            Interlocked.Increment(ref _requests);
            requests.TryWrite(true);
        }
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) return long.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private async Task MisbehaveAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        switch (Kind)
        {
            case Misbehavior.AcceptNeverAnswer:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case Misbehavior.DripHeaders:
                await WriteAsync(stream, "HTTP/1.1 200 OK\r\nX-Drip: ", cancellationToken);
                while (true)
                {
                    await WriteAsync(stream, "a", cancellationToken);
                    await Task.Delay(1000, cancellationToken);
                }

            case Misbehavior.DripBody:
                await WriteAsync(stream, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000000\r\n\r\n", cancellationToken);
                while (true)
                {
                    await WriteAsync(stream, "e", cancellationToken);
                    await Task.Delay(1000, cancellationToken);
                }

            case Misbehavior.EndlessBody or Misbehavior.EndlessErrorBody:
                await WriteAsync(stream, Kind == Misbehavior.EndlessBody ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 500 Internal Server Error\r\n", cancellationToken);
                await WriteAsync(stream, "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n", cancellationToken);
                var chunk = Encoding.ASCII.GetBytes($"{Filler.Length:x}\r\n{Encoding.ASCII.GetString(Filler)}\r\n");
                while (true) await WriteAsync(stream, chunk, cancellationToken);
            case Misbehavior.HugeHeaders:
                await WriteAsync(stream, "HTTP/1.1 200 OK\r\n", cancellationToken);
                for (var i = 0; i < 1024; i++)
                {
                    await WriteAsync(stream, $"X-Pad-{i:D5}: ", cancellationToken);
                    await WriteAsync(stream, Filler.AsMemory(0, 1024 - 15), cancellationToken);
                    await WriteAsync(stream, "\r\n", cancellationToken);
                }

                await WriteAsync(stream, "Content-Length: 2\r\n\r\nok", cancellationToken);
                break;
            case Misbehavior.HugeHeaderLine:
                await WriteAsync(stream, "HTTP/1.1 200 OK\r\nX-Huge: ", cancellationToken);
                for (var i = 0; i < 1024; i++) await WriteAsync(stream, Filler.AsMemory(0, 1024), cancellationToken);
                await WriteAsync(stream, "\r\nContent-Length: 2\r\n\r\nok", cancellationToken);
                break;
            case Misbehavior.EndlessInterim:
                while (true)
                {
                    await WriteAsync(stream, "HTTP/1.1 102 Processing\r\n\r\n", cancellationToken);
                    await Task.Delay(50, cancellationToken);
                }

            case Misbehavior.Status:
                var body = Encoding.UTF8.GetBytes(Body);
                var head = new StringBuilder($"HTTP/1.1 {Status} {Reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n");
                foreach (var (name, value) in Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
                await WriteAsync(stream, head.Append("\r\n").ToString(), cancellationToken);
                await WriteAsync(stream, body, cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"{Kind} never reaches a connection");
        }
    }

    private ValueTask WriteAsync(NetworkStream stream, string text, CancellationToken cancellationToken) =>
        WriteAsync(stream, Encoding.ASCII.GetBytes(text), cancellationToken);

    private async ValueTask WriteAsync(NetworkStream stream, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(bytes, cancellationToken);
        Interlocked.Add(ref _bytesSent, bytes.Length);
    }

    /// <summary>Waits until the client has closed <paramref name="count"/> connections, or throws after the timeout.</summary>
    public async Task<IReadOnlyCollection<TimeSpan>> WaitForClosedAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (_lifetimes.Count < count)
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"{Kind}: {_lifetimes.Count} of {count} connections closed by the client within {timeout}");
            await Task.Delay(20);
        }

        return Lifetimes;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var filler in _fillers) filler.Dispose();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
