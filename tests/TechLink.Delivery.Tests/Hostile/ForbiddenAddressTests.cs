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

/// <summary>
/// The network guard end to end: for every way of writing or resolving to a forbidden address, no TCP connection is
/// ever made to it. An <see cref="AddressTrap"/> listens on every local address on one port, so wherever the forbidden
/// address is one of this machine's (loopback in all its spellings, 0.0.0.0, ::, the interfaces' own addresses) a
/// connection that got through would be seen there; where it is not local, the refusal reason proves the socket was
/// never opened (the connect step throws <see cref="NetworkGuardException"/> only when it tried no address at all).
/// Each case is checked at registration (<see cref="UrlPolicy"/>), through the sender, and at the connect step alone
/// (the sender's handler without the URL check), with the environment's proxy variables set (see <see cref="ProxyTrap"/>).
/// </summary>
public sealed class ForbiddenAddressTests : IDisposable
{
    private const string Payload = "{\"event\":\"work order created\"}";
    private static readonly IPAddress Public = IPAddress.Parse("93.184.215.14");
    private readonly AddressTrap _trap = new();

    public void Dispose() => _trap.Dispose();

    /// <summary>URL hosts as a client might register them, and what the refusal must say.</summary>
    public static TheoryData<string, string> ForbiddenHosts => new()
    {
        // IPv4 loopback, every spelling IPAddress.TryParse and Uri accept: decimal, hex, octal, short, padded, full-width.
        { "127.0.0.1", "loopback" },
        { "127.0.0.2", "loopback" },
        { "127.255.255.254", "loopback" },
        { "127.1", "loopback" },
        { "2130706433", "loopback" },
        { "0x7f000001", "loopback" },
        { "0x7f.0.0.1", "loopback" },
        { "0x7F.0x00.0x00.0x01", "loopback" },
        { "0x7f.1", "loopback" },
        { "0177.0.0.1", "loopback" },
        { "017700000001", "loopback" },
        { "0177.1", "loopback" },
        { "127.000.000.001", "loopback" },
        { "\uff10x7f.1", "loopback" },
        { "\uff11\uff12\uff17.\uff10.\uff10.\uff11", "loopback" },
        { "127.0.0.1.", "loopback" },
        // "this host"
        { "0.0.0.0", "unspecified" },
        { "0", "unspecified" },
        { "[::]", "unspecified" },
        // private, short and odd forms
        { "10.1", "private" },
        { "10.0.0.1", "private" },
        { "0xa000001", "private" },
        { "012.0.0.1", "private" },
        { "172.16.0.1", "private" },
        { "192.168.1.1", "private" },
        { "3232235777", "private" },
        // cloud metadata, CGNAT, benchmarking, documentation, multicast, broadcast, reserved
        { "169.254.169.254", "link-local" },
        { "2852039166", "link-local" },
        { "0xa9fea9fe", "link-local" },
        { "0251.0376.0251.0376", "link-local" },
        { "100.64.0.1", "carrier-grade NAT" },
        { "100.127.255.254", "carrier-grade NAT" },
        { "198.18.0.1", "benchmarking" },
        { "198.19.255.254", "benchmarking" },
        { "192.0.2.2", "documentation" },
        { "224.0.0.1", "multicast" },
        { "239.255.255.250", "multicast" },
        { "255.255.255.255", "broadcast" },
        { "4294967295", "broadcast" },
        { "240.0.0.1", "reserved" },
        // IPv6 and IPv6 wrapping IPv4
        { "[::1]", "loopback" },
        { "[0:0:0:0:0:0:0:1]", "loopback" },
        { "[::ffff:127.0.0.1]", "embeds 127.0.0.1" },
        { "[::ffff:7f00:1]", "embeds 127.0.0.1" },
        { "[::ffff:127.0.0.2]", "embeds 127.0.0.2" },
        { "[::ffff:10.0.0.1]", "embeds 10.0.0.1" },
        { "[::ffff:a9fe:a9fe]", "embeds 169.254.169.254" },
        { "[::ffff:0.0.0.0]", "embeds 0.0.0.0" },
        { "[::127.0.0.1]", "embeds 127.0.0.1" },
        { "[::ffff:0:7f00:1]", "not a global unicast" },
        { "[fe80::1]", "link-local" },
        { "[febf:ffff::1]", "link-local" },
        { "[fc00::1]", "unique-local" },
        { "[fd00:ec2::254]", "unique-local" },
        { "[fd00::2]", "unique-local" },
        { "[fec0::1]", "site-local" },
        { "[ff02::1]", "multicast" },
        { "[64:ff9b::a00:1]", "embeds 10.0.0.1" },
        { "[64:ff9b::7f00:1]", "embeds 127.0.0.1" },
        { "[64:ff9b::a9fe:a9fe]", "embeds 169.254.169.254" },
        { "[64:ff9b:1::1]", "local NAT64" },
        { "[2002:a00:1::1]", "embeds 10.0.0.1" },
        { "[2002:7f00:1::]", "embeds 127.0.0.1" },
        { "[2002:a9fe:a9fe::1]", "embeds 169.254.169.254" },
        { "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "Teredo" },
        // names that are loopback by definition
        { "localhost", "loopback" },
        { "LOCALHOST", "loopback" },
        { "localhost.", "loopback" },
        { "api.localhost", "loopback" },
    };

    /// <summary>Addresses a host name may resolve to when the socket connects (DNS rebinding: it resolved to a public address before).</summary>
    public static TheoryData<string, string> ForbiddenAnswers => new()
    {
        { "127.0.0.1", "loopback" },
        { "127.0.0.2", "loopback" },
        { "0.0.0.0", "unspecified" },
        { "10.0.0.1", "private" },
        { "172.31.255.254", "private" },
        { "192.168.0.1", "private" },
        { "169.254.169.254", "link-local" },
        { "100.64.0.1", "carrier-grade NAT" },
        { "198.18.0.1", "benchmarking" },
        { "192.0.2.2", "documentation" },
        { "224.0.0.251", "multicast" },
        { "255.255.255.255", "broadcast" },
        { "::1", "loopback" },
        { "::", "unspecified" },
        { "::ffff:127.0.0.1", "embeds 127.0.0.1" },
        { "::ffff:10.0.0.1", "embeds 10.0.0.1" },
        { "::127.0.0.1", "embeds 127.0.0.1" },
        { "fe80::1", "link-local" },
        { "fc00::1", "unique-local" },
        { "fd00:ec2::254", "unique-local" },
        { "fd00::2", "unique-local" },
        { "ff02::1", "multicast" },
        { "64:ff9b::a00:1", "embeds 10.0.0.1" },
        { "64:ff9b::7f00:1", "embeds 127.0.0.1" },
        { "2002:a00:1::1", "embeds 10.0.0.1" },
        { "2002:7f00:1::1", "embeds 127.0.0.1" },
    };

    private static WebhookSender Sender(IEnumerable<string> allowed, IDnsResolver? dns = null) =>
        new(Options.Create(new DeliveryOptions { Timeout = TimeSpan.FromSeconds(5) }),
            NetworkGuard.Create(allowed),
            dns ?? new SystemDnsResolver(),
            TimeProvider.System,
            NullLogger<WebhookSender>.Instance);

    private static EndpointTarget Target(Uri url) => new(url, "tok", [TechLink.Delivery.Signing.WebhookSecret.Generate()], true);

    [Theory]
    [MemberData(nameof(ForbiddenHosts))]
    public async Task ForbiddenUrl_RefusedAtRegistrationSendAndConnect_NoConnectionEverMade(string host, string reason)
    {
        var result = await CheckUrlAsync(host, reason);

        Assert.True(result.Leaks == 0, $"{host}: {result.Leaks} connection(s) got through");
        Assert.True(result.Problems.Count == 0, $"{host}: {string.Join("; ", result.Problems)}");
    }

    [Theory]
    [MemberData(nameof(ForbiddenAnswers))]
    public async Task NameRebindingToForbiddenAddress_RefusedWhereTheSocketConnects(string address, string reason)
    {
        var result = await CheckRebindingAsync(address, reason);

        Assert.True(result.Leaks == 0, $"{address}: {result.Leaks} connection(s) got through");
        Assert.True(result.Problems.Count == 0, $"{address}: {string.Join("; ", result.Problems)}");
    }

    [Fact]
    public async Task EveryAddressOfThisMachine_NeverConnected()
    {
        // The interfaces' own addresses (here e.g. 192.0.2.2, fd00::2, fe80::...%eth0) are reachable, so the trap sees any leak.
        var strict = NetworkGuard.Create([]);
        var local = LocalAddresses().Where(a => strict.Check(a) is not null).ToList();
        Assert.NotEmpty(local);

        foreach (var address in local)
        {
            var result = await CheckRebindingAsync(address.ToString(), "address");
            Assert.True(result.Leaks == 0, $"{address}: {result.Leaks} connection(s) got through");
            Assert.True(result.Problems.Count == 0, $"{address}: {string.Join("; ", result.Problems)}");
            Assert.True(result.Reachable || !_trap.DualStack && address.AddressFamily == AddressFamily.InterNetworkV6, $"{address}: the trap could not be reached directly, so it proves nothing");
        }
    }

    [Fact]
    public async Task TrapControl_SameSpellingsWhenAllowed_DoReachTheTrap()
    {
        // Without this, "the trap saw nothing" could mean the spellings never pointed at it.
        using var open = Sender(["0.0.0.0/0", "::/0"]);
        string[] hosts = ["127.0.0.2", "127.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "017700000001", "\uff10x7f.1", "0.0.0.0", "0", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"];
        string[] ipv6 = ["[::1]", "[::]"];
        foreach (var host in _trap.DualStack ? [.. hosts, .. ipv6] : hosts)
        {
            var url = new Uri($"http://{host}:{_trap.Port}/hook");
            var start = _trap.Count;

            var outcome = await open.SendAsync(Target(url), "msg_1", Payload, CancellationToken.None);

            Assert.True(outcome.Succeeded, $"{host}: {outcome.Error}");
            Assert.Single(await _trap.SinceAsync(start));
        }
    }

    [Fact]
    public async Task MixedAnswer_ConnectsOnlyToTheAllowedAddress_NeverToTheForbiddenOnes()
    {
        // Decision: a host whose answer mixes allowed and forbidden addresses is reached on its allowed addresses only;
        // the forbidden ones are skipped, never tried. 127.0.0.1/32 stands in for "public" (a test must not dial out).
        var forbidden = new[] { "127.0.0.2", "0.0.0.0", "::ffff:127.0.0.3", "10.0.0.1", "169.254.169.254" }.Select(IPAddress.Parse).ToList();
        if (_trap.DualStack) forbidden.AddRange(new[] { "::1", "::" }.Select(IPAddress.Parse));
        foreach (var bad in forbidden)
        {
            foreach (IPAddress[] answer in new[] { new[] { bad, IPAddress.Loopback }, [IPAddress.Loopback, bad] })
            {
                var dns = new FakeDns().Answer("mixed.hostile.test", answer);
                using var sender = Sender(["127.0.0.1/32"], dns);
                var start = _trap.Count;

                var outcome = await sender.SendAsync(Target(new Uri($"http://mixed.hostile.test:{_trap.Port}/hook")), "msg_1", Payload, CancellationToken.None);

                Assert.True(outcome.Succeeded, $"{string.Join(", ", answer.Select(a => a.ToString()))}: {outcome.Error}");
                var seen = Assert.Single(await _trap.SinceAsync(start));
                Assert.Equal(IPAddress.Loopback, seen.Destination);
            }
        }
    }

    [Fact]
    public async Task MixedAnswer_AllowedAddressRefuses_NoFallbackToTheForbiddenOne()
    {
        // This trap listens on IPv4 only: ::1 (allowed) refuses, 127.0.0.2 (forbidden) would answer.
        using var ipv4Only = new AddressTrap(dualStack: false);
        var dns = new FakeDns().Answer("fallback.hostile.test", [IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.2")]);
        using var sender = Sender(["::1/128"], dns);
        var start = ipv4Only.Count;

        var outcome = await sender.SendAsync(Target(new Uri($"http://fallback.hostile.test:{ipv4Only.Port}/hook")), "msg_1", Payload, CancellationToken.None);

        Assert.Contains(outcome.Failure, new FailureKind?[] { FailureKind.ConnectionRefused, FailureKind.Connection });
        Assert.Empty(await ipv4Only.SinceAsync(start));
    }

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
