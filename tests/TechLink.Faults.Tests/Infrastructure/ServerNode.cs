using TechLink.Testing;

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>
/// One server node that a test kills and restarts: each start is a new process with a new lease owner id
/// (<c>{name}-{generation}</c>), so the leases a killed process held can be read from the table afterwards.
/// </summary>
public sealed class ServerNode(string name, Func<string, Task<ServerProcess>> start) : IAsyncDisposable
{
    private readonly List<ServerProcess> _processes = [];
    private readonly List<HttpClient> _clients = [];
    private volatile HttpClient? _client;

    public int Generation { get; private set; }

    public string NodeId => $"{name}-{Generation}";

    public ServerProcess? Process { get; private set; }

    public DateTime StartedAt { get; private set; }

    /// <summary>A staff client of the running process, or null while the node is down.</summary>
    public HttpClient? Client => _client;

    public string Output => string.Join("\n", _processes.Select((p, i) => $"--- {name}-{i + 1}\n{p.Output}"));

    public async Task StartAsync()
    {
        Generation++;
        var process = await start(NodeId);
        _processes.Add(process);
        Process = process;
        StartedAt = DateTime.UtcNow;
        var client = process.Client(ServerSettings.StaffKey);
        _clients.Add(client);
        _client = client;
    }

    /// <summary>SIGKILL; answers the lease owner id of the process that died.</summary>
    public async Task<string> KillAsync()
    {
        _client = null;
        await Process!.KillAsync();
        return NodeId;
    }

    public async ValueTask DisposeAsync()
    {
        _client = null;
        foreach (var process in _processes) await process.DisposeAsync();
        foreach (var client in _clients) client.Dispose();
    }
}
