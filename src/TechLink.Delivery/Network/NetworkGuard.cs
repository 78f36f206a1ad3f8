using System.Net;
using System.Net.Sockets;

namespace TechLink.Delivery.Network;

/// <summary>
/// Decides whether a webhook may connect to an address: only public unicast addresses, unless the address lies
/// in one of the configured allowed networks. IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64,
/// 6to4) are judged by the embedded address, so <c>::ffff:127.0.0.1</c> is loopback. When allowed ports are
/// configured, only those ports may be connected to.
/// </summary>
public sealed class NetworkGuard
{
    private static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified (\"this network\")"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private"),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT (shared)"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private"),
        (IPNetwork.Parse("192.0.0.0/24"), "a reserved (IETF protocol assignments)"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "a reserved (6to4 relay)"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast"),
        (IPNetwork.Parse("255.255.255.255/32"), "the broadcast"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved"),
        (IPNetwork.Parse("::/128"), "an unspecified"),
        (IPNetwork.Parse("::1/128"), "a loopback"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "a local NAT64"),
        (IPNetwork.Parse("100::/64"), "a discard-only"),
        (IPNetwork.Parse("2001::/32"), "a Teredo tunnel"),
        (IPNetwork.Parse("2001:10::/28"), "a reserved (ORCHID)"),
        (IPNetwork.Parse("2001:20::/28"), "a reserved (ORCHIDv2)"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation"),
        (IPNetwork.Parse("3fff::/20"), "a documentation"),
        (IPNetwork.Parse("5f00::/16"), "a reserved (SRv6)"),
        (IPNetwork.Parse("fc00::/7"), "a unique-local (private)"),
        (IPNetwork.Parse("fe80::/10"), "a link-local"),
        (IPNetwork.Parse("fec0::/10"), "a site-local"),
        (IPNetwork.Parse("ff00::/8"), "a multicast"),
    ];

    private static readonly IPNetwork GlobalUnicastV6 = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork V4Compatible = IPNetwork.Parse("::/96");

    /// <summary>Judges without allowed networks: what it accepts is public.</summary>
    private static readonly NetworkGuard PublicOnly = new([]);

    private readonly IPNetwork[] _allowed;
    private readonly int[] _ports;

    public NetworkGuard(IEnumerable<IPNetwork> allowedNetworks, IEnumerable<int>? allowedPorts = null)
    {
        _allowed = [.. allowedNetworks];
        _ports = [.. (allowedPorts ?? []).Distinct().Order()];
    }

    public IReadOnlyList<IPNetwork> AllowedNetworks => _allowed;

    /// <summary>Empty: any port.</summary>
    public IReadOnlyList<int> AllowedPorts => _ports;

    /// <summary>A guard from CIDR strings (as configured in <c>TechLink:Delivery:AllowedNetworks</c>) and allowed ports.</summary>
    public static NetworkGuard Create(IEnumerable<string>? allowedNetworks, IEnumerable<int>? allowedPorts = null) =>
        new((allowedNetworks ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => IPNetwork.Parse(s.Trim())), allowedPorts);

    /// <summary>The guard of the delivery engine's settings.</summary>
    public static NetworkGuard Create(DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options.AllowedNetworks, options.AllowedPorts);
    }

    /// <summary>Whether <paramref name="address"/> is public: a guard without allowed networks would connect to it.</summary>
    public static bool IsPublic(IPAddress address) => PublicOnly.Check(address) is null;

    /// <summary>
    /// Allowed, but only because an allowed network contains it: a private or loopback service that the configuration
    /// lets webhooks reach (a development set-up). Its answers are not shown to whoever registered the URL.
    /// </summary>
    public bool IsAllowedOnlyByConfiguration(IPAddress address) => Check(address) is null && !IsPublic(address);

    /// <summary>Null when <paramref name="port"/> may be connected to, otherwise why not.</summary>
    public string? CheckPort(int port) =>
        _ports.Length == 0 || Array.BinarySearch(_ports, port) >= 0
            ? null
            : $"port {port} is not allowed (allowed ports: {string.Join(", ", _ports)})";

    /// <summary>Null when a connection to <paramref name="address"/> is allowed, otherwise why not (for the delivery log).</summary>
    public string? Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (IsAllowed(address)) return null;

        var embedded = EmbeddedIPv4(address);
        if (embedded is not null)
        {
            if (IsAllowed(embedded)) return null;
            var inner = Classify(embedded);
            if (inner is not null)
            {
                return $"address {address} embeds {embedded}, which is in {inner.Value.Kind} network ({inner.Value.Network})";
            }

            // A public IPv4 address wrapped in IPv4-mapped form is just that address; other wrappings are tunnels.
            if (address.IsIPv4MappedToIPv6 || Nat64.Contains(address) || SixToFour.Contains(address)) return null;
        }

        var range = Classify(address);
        if (range is not null) return $"address {address} is in {range.Value.Kind} network ({range.Value.Network})";
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && !GlobalUnicastV6.Contains(address))
        {
            return $"address {address} is not a global unicast address";
        }

        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? null
            : $"address {address} is not an IP address";
    }

    private bool IsAllowed(IPAddress address)
    {
        foreach (var network in _allowed)
        {
            if (network.Contains(address)) return true;
        }

        return false;
    }

    private static (IPNetwork Network, string Kind)? Classify(IPAddress address)
    {
        foreach (var entry in Refused)
        {
            if (entry.Network.Contains(address)) return entry;
        }

        return null;
    }

    /// <summary>The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.</summary>
    internal static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address)) return new IPAddress(bytes[12..16]);
        if (SixToFour.Contains(address)) return new IPAddress(bytes[2..6]);
        if (V4Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback))
        {
            return new IPAddress(bytes[12..16]);
        }

        return null;
    }
}
