using System.Net;
using TechLink.Delivery.Network;

namespace TechLink.Delivery.Tests.Network;

public sealed class NetworkGuardTests
{
    private static readonly NetworkGuard Strict = NetworkGuard.Create([]);

    [Theory]
    // IPv4 loopback, unspecified, private
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("10.0.0.5", "private network (10.0.0.0/8)")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("172.16.0.1", "private network (172.16.0.0/12)")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private network (192.168.0.0/16)")]
    // link-local and cloud metadata, CGNAT
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("169.254.0.1", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    // multicast, reserved, benchmark, documentation, broadcast
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("192.0.0.8", "reserved")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.1", "benchmarking")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.9", "documentation")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("192.88.99.1", "6to4 relay")]
    // IPv6 specials
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd00:ec2::254", "unique-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [InlineData("100::1", "discard")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("64:ff9b:1::1", "NAT64")]
    // IPv6 forms embedding a non-public IPv4 address
    [InlineData("::ffff:127.0.0.1", "embeds 127.0.0.1")]
    [InlineData("::ffff:10.0.0.1", "embeds 10.0.0.1")]
    [InlineData("::ffff:169.254.169.254", "embeds 169.254.169.254")]
    [InlineData("::127.0.0.1", "embeds 127.0.0.1")]
    [InlineData("64:ff9b::7f00:1", "embeds 127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe", "embeds 169.254.169.254")]
    [InlineData("2002:7f00:1::1", "embeds 127.0.0.1")]
    [InlineData("2002:c0a8:101::1", "embeds 192.168.1.1")]
    // more IPv4-in-IPv6 spellings: mapped in hex, mapped unspecified, NAT64 and 6to4 to private and metadata addresses
    [InlineData("::ffff:7f00:1", "embeds 127.0.0.1")]
    [InlineData("::ffff:0.0.0.0", "embeds 0.0.0.0")]
    [InlineData("::ffff:100.64.0.1", "embeds 100.64.0.1")]
    [InlineData("::ffff:ac10:1", "embeds 172.16.0.1")]
    [InlineData("64:ff9b::a00:1", "embeds 10.0.0.1")]
    [InlineData("64:ff9b::c0a8:101", "embeds 192.168.1.1")]
    [InlineData("2002:a00:1::1", "embeds 10.0.0.1")]
    [InlineData("2002:a9fe:a9fe::1", "embeds 169.254.169.254")]
    [InlineData("2002:6440:1::1", "embeds 100.64.0.1")]
    // IPv6 link-local with a zone, unique-local as cloud hosts assign it, other multicast scopes
    [InlineData("fe80::fc:ff:fe00:1%4", "link-local")]
    [InlineData("fd00::2", "unique-local")]
    [InlineData("fdff:ffff::1", "unique-local")]
    [InlineData("ff05::1:3", "multicast")]
    // edges of the IPv4 ranges
    [InlineData("100.64.0.0", "carrier-grade NAT")]
    [InlineData("198.18.0.0", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("224.0.0.0", "multicast")]
    [InlineData("239.255.255.255", "multicast")]
    [InlineData("0.255.255.255", "unspecified")]
    // outside global unicast (IPv4-translated ::ffff:0:0/96 included)
    [InlineData("::ffff:0:7f00:1", "not a global unicast")]
    [InlineData("4000::1", "not a global unicast")]
    public void Check_NonPublicAddress_IsRefusedWithReason(string address, string reason)
    {
        var refusal = Strict.Check(IPAddress.Parse(address));

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Check_PublicAddress_IsAllowed(string address)
    {
        Assert.Null(Strict.Check(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    public void Check_AddressInAllowedNetwork_IsAllowed(string address)
    {
        var guard = NetworkGuard.Create(["127.0.0.0/8"]);

        Assert.Null(guard.Check(IPAddress.Parse(address)));
        Assert.NotNull(guard.Check(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void Check_PrivateAddress_MessageNamesAddressAndRange()
    {
        Assert.Equal("address 10.0.0.5 is in a private network (10.0.0.0/8)", Strict.Check(IPAddress.Parse("10.0.0.5")));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.5", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2606:4700:4700::1111", false)]
    public void IsAllowedOnlyByConfiguration_LoopbackAllowed_OnlyForAllowedNonPublicAddresses(string address, bool expected)
    {
        var guard = NetworkGuard.Create(["127.0.0.0/8"]);

        Assert.Equal(expected, guard.IsAllowedOnlyByConfiguration(IPAddress.Parse(address)));
    }

    [Fact]
    public void IsAllowedOnlyByConfiguration_PublicRangeAllowedToo_PublicAddressIsNot()
    {
        Assert.False(NetworkGuard.Create(["8.8.8.0/24"]).IsAllowedOnlyByConfiguration(IPAddress.Parse("8.8.8.8")));
        Assert.True(NetworkGuard.IsPublic(IPAddress.Parse("8.8.8.8")));
        Assert.False(NetworkGuard.IsPublic(IPAddress.Parse("192.168.1.1")));
    }

    [Fact]
    public void CheckPort_AllowedPorts_OthersRefusedNamingPort()
    {
        var guard = NetworkGuard.Create([], [443, 80, 8443, 8080]);

        foreach (var port in new[] { 80, 443, 8080, 8443 }) Assert.Null(guard.CheckPort(port));
        Assert.Equal("port 22 is not allowed (allowed ports: 80, 443, 8080, 8443)", guard.CheckPort(22));
        Assert.NotNull(guard.CheckPort(8444));
    }

    [Fact]
    public void CheckPort_NoAllowedPorts_AnyPort()
    {
        Assert.Null(Strict.CheckPort(22));
        Assert.Null(Strict.CheckPort(65535));
    }
}
