using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>A connection the trap accepted: the address the client connected to, and the client's port.</summary>
public sealed record TrapConnection(int Sequence, IPAddress Destination, int ClientPort);

/// <summary>
/// One listener on every local address at once (<c>[::]</c> dual-stack, or <c>0.0.0.0</c>), answering any request with
/// 200 and <c>Connection: close</c>. It sees a connection to 127.0.0.1, 127.0.0.2, ::1, ::ffff:127.0.0.1, 0.0.0.0, ::
/// and every address of this machine's interfaces on its port, and records the address each was made to.
/// <see cref="SinceAsync"/> proves what arrived in a window: it connects a marker last and waits for it, and since the
/// kernel's accept queue is first in, first out, every connection made before the marker has been counted by then.
/// </summary>
public sealed class AddressTrap : IDisposable
{
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private readonly Socket _listener;
    private readonly ConcurrentQueue<TrapConnection> _connections = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiting = new();
    private readonly CancellationTokenSource _stop = new();
    private int _sequence;

    public AddressTrap(bool dualStack = true)
    {
        DualStack = dualStack && Socket.OSSupportsIPv6;
        _listener = DualStack
            ? new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(DualStack ? IPAddress.IPv6Any : IPAddress.Any, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = AcceptAsync();
    }

    /// <summary>Listening on IPv6 and IPv4 (else IPv4 only).</summary>
    public bool DualStack { get; }

    public int Port { get; }

    /// <summary>How many connections arrived so far: pass it to <see cref="SinceAsync"/>.</summary>
    public int Count => Volatile.Read(ref _sequence);

    /// <summary>Every connection from <paramref name="start"/> (a <see cref="Count"/>) until now, provably complete.</summary>
    public async Task<IReadOnlyList<TrapConnection>> SinceAsync(int start)
    {
        using var marker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await marker.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
        var markerPort = ((IPEndPoint)marker.LocalEndPoint!).Port;
        _waiting[markerPort] = arrived;
        if (_connections.Any(c => c.ClientPort == markerPort && c.Destination.Equals(IPAddress.Loopback))) arrived.TrySetResult();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _waiting.TryRemove(markerPort, out _);
        var all = _connections.OrderBy(c => c.Sequence).ToList();
        var markerSequence = all.Last(c => c.ClientPort == markerPort).Sequence;
        return [.. all.Where(c => c.Sequence >= start && c.Sequence < markerSequence)];
    }

    private async Task AcceptAsync()
    {
        while (true)
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

            var local = (IPEndPoint)socket.LocalEndPoint!;
            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            var destination = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
            var connection = new TrapConnection(Interlocked.Increment(ref _sequence) - 1, destination, remote.Port);
            _connections.Enqueue(connection);
            if (_waiting.TryGetValue(remote.Port, out var waiter)) waiter.TrySetResult();
            _ = AnswerAsync(socket);
        }
    }

    /// <summary>Reads the request head, answers 200 and closes: a connection that got through looks like a success.</summary>
    private async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var buffer = new byte[8192];
                var seen = new StringBuilder();
                while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    if (n == 0) return;
                    seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                await socket.SendAsync(Answer, SocketFlags.None, timeout.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // A probe or marker that never sends a request, or the test ended.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }
}
