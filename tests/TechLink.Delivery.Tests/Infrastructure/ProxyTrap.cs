using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>
/// Sets HTTP(S)_PROXY for the whole test process before any HttpClient reads them, pointing at a listener that
/// counts connections. A sender that honoured the environment would talk to this trap instead of the receiver.
/// </summary>
public static class ProxyTrap
{
    private static readonly TcpListener Listener = new(IPAddress.Loopback, 0);
    private static int _connections;

    public static int Connections => Volatile.Read(ref _connections);

    public static Uri Url { get; private set; } = null!;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The proxy variables must be set before any HttpClient in the process reads them.")]
    public static void Install()
    {
        Listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)Listener.LocalEndpoint).Port}");
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            Environment.SetEnvironmentVariable(name, Url.ToString());
        }

        Environment.SetEnvironmentVariable("NO_PROXY", null);
        Environment.SetEnvironmentVariable("no_proxy", null);
        _ = AcceptAsync();
    }

    private static async Task AcceptAsync()
    {
        while (true)
        {
            using var client = await Listener.AcceptTcpClientAsync();
            Interlocked.Increment(ref _connections);
        }
    }
}
