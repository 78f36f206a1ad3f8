using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace TechLink.Testing;

/// <summary>A mail as the SMTP server received it: the envelope's recipients and the raw message.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Raw);

/// <summary>
/// A real SMTP server (NuGet SmtpServer) on 127.0.0.1 with a free port, without TLS, keeping every mail. Tests wait on
/// <see cref="WaitForAsync"/>, signalled by each arrival.
/// </summary>
public sealed class LoopbackSmtp : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _mails = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public int Port { get; private set; }

    public IReadOnlyList<ReceivedMail> Mails => [.. _mails];

    public static async Task<LoopbackSmtp> StartAsync()
    {
        var smtp = new LoopbackSmtp();
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            smtp.Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, smtp.Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(smtp));
        var server = new SmtpServer.SmtpServer(options, services);
        smtp._running = server.StartAsync(smtp._stop.Token);
        await smtp.WaitListeningAsync();
        return smtp;
    }

    private async Task WaitListeningAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20, deadline.Token);
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> mails arrived, or throws after the timeout.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_mails.Count >= count) return Mails;
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} mails, got {_mails.Count} within {timeout}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _arrived.Dispose();
    }

    private sealed class Store(LoopbackSmtp smtp) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var to = transaction.To.Select(m => $"{m.User}@{m.Host}").ToList();
            smtp._mails.Enqueue(new ReceivedMail($"{transaction.From.User}@{transaction.From.Host}", to, Encoding.UTF8.GetString(buffer.ToArray())));
            smtp._arrived.Release();
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
