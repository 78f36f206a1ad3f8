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
public sealed partial class ForbiddenAddressTests : IDisposable
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
}
