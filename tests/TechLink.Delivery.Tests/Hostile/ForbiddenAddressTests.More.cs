using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Delivery.Tests.Hostile;

/// <summary>The rest of <see cref="ForbiddenAddressTests"/>: rebinding between attempts, proxies in the environment, the whole table.</summary>
public sealed partial class ForbiddenAddressTests
{
    [Fact]
    public async Task RebindingBetweenAttempts_SecondConnectionToForbiddenAddress_IsRefused()
    {
        // First connection: an allowed address, delivered. The trap closes each connection, so the next attempt
        // connects anew, and the name now answers a forbidden address.
        var dns = new FakeDns().Answer("rebind.hostile.test", [IPAddress.Loopback], [IPAddress.Parse("127.0.0.2")]);
        using var sender = Sender(["127.0.0.1/32"], dns);
        var url = new Uri($"http://rebind.hostile.test:{_trap.Port}/hook");
        var start = _trap.Count;

        var first = await sender.SendAsync(Target(url), "msg_1", Payload, CancellationToken.None);
        var second = await sender.SendAsync(Target(url), "msg_1", Payload, CancellationToken.None);

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(FailureKind.NetworkGuard, second.Failure);
        Assert.Equal("address 127.0.0.2 is in a loopback network (127.0.0.0/8)", second.Error);
        var seen = Assert.Single(await _trap.SinceAsync(start));
        Assert.Equal(IPAddress.Loopback, seen.Destination);
        Assert.Equal(2, dns.Lookups);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task ProxyInEnvironment_RequestsGoDirectAndForbiddenStaysForbidden(string scheme)
    {
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY" })
        {
            Assert.Equal(ProxyTrap.Url.ToString(), Environment.GetEnvironmentVariable(name));
        }

        var forbiddenUrl = new Uri($"{scheme}://proxied.hostile.test:{_trap.Port}/hook");
        // The process's default proxy really is the trap, for this scheme too.
        Assert.Equal(ProxyTrap.Url, HttpClient.DefaultProxy.GetProxy(forbiddenUrl));
        var proxyBefore = ProxyTrap.Connections;
        var start = _trap.Count;
        using var strict = Sender([], new FakeDns().Answer("proxied.hostile.test", [IPAddress.Parse("10.0.0.1")]));

        var refused = await strict.SendAsync(Target(forbiddenUrl), "msg_1", Payload, CancellationToken.None);

        Assert.Equal(FailureKind.NetworkGuard, refused.Failure);
        Assert.Equal("address 10.0.0.1 is in a private network (10.0.0.0/8)", refused.Error);
        if (scheme == "http")
        {
            using var allowed = Sender(["127.0.0.1/32"], new FakeDns().Answer("direct.hostile.test", [IPAddress.Loopback]));
            var direct = await allowed.SendAsync(Target(new Uri($"http://direct.hostile.test:{_trap.Port}/hook")), "msg_1", Payload, CancellationToken.None);
            Assert.True(direct.Succeeded, direct.Error);
            Assert.Single(await _trap.SinceAsync(start));
        }
        else
        {
            Assert.Empty(await _trap.SinceAsync(start));
        }

        Assert.Equal(proxyBefore, ProxyTrap.Connections);
    }

    [Fact]
    public async Task WholeTable_NoConnectionGetsThrough_RecordsFigures()
    {
        var hosts = ForbiddenHosts.Select(row => ((string)row[0], (string)row[1])).ToList();
        var answers = ForbiddenAnswers.Select(row => ((string)row[0], (string)row[1])).ToList();
        var strict = NetworkGuard.Create([]);
        var machine = LocalAddresses().Where(a => strict.Check(a) is not null).Select(a => (a.ToString(), "address")).ToList();
        var proxyBefore = ProxyTrap.Connections;
        var results = new List<(string Case, CaseResult Result)>();

        foreach (var (host, reason) in hosts) results.Add(("url " + host, await CheckUrlAsync(host, reason)));
        foreach (var (address, reason) in answers.Concat(machine)) results.Add(("dns " + address, await CheckRebindingAsync(address, reason)));

        var leaks = results.Sum(r => r.Result.Leaks) + (ProxyTrap.Connections - proxyBefore);
        var problems = results.Where(r => r.Result.Problems.Count > 0).Select(r => $"{r.Case}: {string.Join("; ", r.Result.Problems)}").ToList();
        var checks = results.Sum(r => r.Result.Checks);
        ReliabilityLog.Record(
            "Network guard",
            "forbidden addresses: URL spellings (decimal/hex/octal/short IPv4, IPv6 and IPv4-in-IPv6 forms, localhost) and DNS answers at connect time (rebinding), proxy variables set",
            tries: results.Count,
            lost: leaks,
            detail: $"{hosts.Count} URL forms × registration, send and connect step; {answers.Count + machine.Count} rebinding answers ({machine.Count} of them this machine's own addresses); "
                + $"{checks} checks; {results.Count(r => r.Result.Reachable)} cases locally reachable, so a trap listening on them proves zero connections; "
                + $"proxy connections {ProxyTrap.Connections - proxyBefore}; wrong or missing refusal reasons {problems.Count}");

        Assert.True(leaks == 0, $"{leaks} connections got through");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private sealed record CaseResult(int Leaks, bool Reachable, int Checks, List<string> Problems);

    /// <summary>A URL with a forbidden host, at registration, through the sender, and at the connect step alone.</summary>
    private async Task<CaseResult> CheckUrlAsync(string host, string reason)
    {
        var problems = new List<string>();
        var url = new Uri($"http://{host}:{_trap.Port}/hook");
        var start = _trap.Count;
        var proxyBefore = ProxyTrap.Connections;
        using var sender = Sender([]);

        var registration = UrlPolicy.Validate(url);
        if (registration is null || !registration.Contains(reason, StringComparison.Ordinal)) problems.Add($"registration said \"{registration}\"");

        var outcome = await sender.SendAsync(Target(url), "msg_1", Payload, CancellationToken.None);
        var nameRefusal = outcome.Failure == FailureKind.InvalidUrl && outcome.Error!.Contains("loopback name", StringComparison.Ordinal);
        if (!(outcome.Failure == FailureKind.NetworkGuard || nameRefusal) || !outcome.Error!.Contains(reason, StringComparison.Ordinal))
        {
            problems.Add($"send: {outcome.Failure} \"{outcome.Error}\"");
        }

        // The connect step alone: the sender's own handler, without the URL check in front of it. Names go to the system resolver.
        var connect = await ConnectStepAsync(sender, url);
        if (connect is not null) problems.Add("connect step: " + connect);

        var reachable = IPAddress.TryParse(url.IdnHost.TrimEnd('.'), out var literal) && await ProbeAsync(literal);
        var leaks = await LeaksAsync(start, reachable ? 1 : 0) + (ProxyTrap.Connections - proxyBefore);
        return new CaseResult(leaks, reachable, 3, problems);
    }

    /// <summary>A name that resolved to a public address (at registration) and to a forbidden one when the socket connects.</summary>
    private async Task<CaseResult> CheckRebindingAsync(string address, string reason)
    {
        var problems = new List<string>();
        var forbidden = IPAddress.Parse(address);
        var dns = new FakeDns().Answer("rebind.hostile.test", [Public], [forbidden]);
        var url = new Uri($"http://rebind.hostile.test:{_trap.Port}/hook");
        var start = _trap.Count;
        var proxyBefore = ProxyTrap.Connections;
        var strict = NetworkGuard.Create([]);

        // At registration: the name passes the URL policy, and what it resolves to then is public.
        if (UrlPolicy.Validate(url) is { } refused) problems.Add($"registration refused the name: {refused}");
        if ((await dns.ResolveAsync(url.Host, CancellationToken.None)).Select(strict.Check).FirstOrDefault(r => r is not null) is { } early) problems.Add("first answer refused: " + early);

        using var sender = Sender([], dns);
        var outcome = await sender.SendAsync(Target(url), "msg_1", Payload, CancellationToken.None);
        if (outcome.Failure != FailureKind.NetworkGuard || !outcome.Error!.Contains(reason, StringComparison.Ordinal)) problems.Add($"send: {outcome.Failure} \"{outcome.Error}\"");
        if (dns.Lookups != 2) problems.Add($"{dns.Lookups} lookups: the connect step did not resolve the name itself");

        var reachable = await ProbeAsync(forbidden);
        var leaks = await LeaksAsync(start, reachable ? 1 : 0) + (ProxyTrap.Connections - proxyBefore);
        return new CaseResult(leaks, reachable, 2, problems);
    }

    /// <summary>Null when the connect step refused with the guard's reason (or the name does not resolve at all), else what happened.</summary>
    private static async Task<string?> ConnectStepAsync(WebhookSender sender, Uri url)
    {
        using var client = new HttpClient(sender.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.PostAsync(url, new StringContent(Payload, Encoding.UTF8, "application/json"));
            return $"answered {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                if (inner is NetworkGuardException) return null;
                if (inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } && url.HostNameType == UriHostNameType.Dns) return null;
            }

            return $"{ex.GetType().Name}: {ex.Message} ({ex.InnerException?.GetType().Name}: {ex.InnerException?.Message})";
        }
        catch (TaskCanceledException)
        {
            return "timed out: a connection was attempted";
        }
    }

    /// <summary>Connections the trap saw since <paramref name="start"/> beyond the <paramref name="expected"/> probe.</summary>
    private async Task<int> LeaksAsync(int start, int expected) => (await _trap.SinceAsync(start)).Count - expected;

    /// <summary>
    /// Connects straight to the address on the trap's port, as the sender's socket would, if the address is one of
    /// this machine's: then the trap must see this probe and nothing else. Remote addresses are never dialled.
    /// </summary>
    private async Task<bool> ProbeAsync(IPAddress address)
    {
        if (!IsLocal(address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, _trap.Port), timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsLocal(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IPAddress.IsLoopback(plain) || plain.Equals(IPAddress.Any) || plain.Equals(IPAddress.IPv6Any)) return true;
        return LocalAddresses().Any(a => a.Equals(plain));
    }

    private static List<IPAddress> LocalAddresses() =>
        [.. NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)];
}
