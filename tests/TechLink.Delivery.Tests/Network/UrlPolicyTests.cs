using TechLink.Delivery.Network;

namespace TechLink.Delivery.Tests.Network;

public sealed class UrlPolicyTests
{
    [Theory]
    [InlineData("https://hooks.example.com/techlink")]
    [InlineData("http://hooks.example.com:8080/x?y=1")]
    [InlineData("https://93.184.215.14/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    public void Validate_PublicUrl_IsAccepted(string url)
    {
        Assert.Null(UrlPolicy.Validate(new Uri(url)));
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x", "http or https")]
    [InlineData("file:///etc/passwd", "http or https")]
    [InlineData("https://user:pass@hooks.example.com/x", "user info")]
    [InlineData("http://localhost:5000/hook", "loopback")]
    [InlineData("http://api.localhost/hook", "loopback")]
    [InlineData("http://127.0.0.1/hook", "loopback")]
    [InlineData("http://2130706433/hook", "loopback")]
    [InlineData("http://0x7f000001/hook", "loopback")]
    [InlineData("http://0x7f.1/hook", "loopback")]
    [InlineData("http://0177.0.0.1/hook", "loopback")]
    [InlineData("http://127.1/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "127.0.0.1")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://[fd00:ec2::254]/latest", "unique-local")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("http://0.0.0.0:80/", "unspecified")]
    [InlineData("http://0/", "unspecified")]
    [InlineData("http://[::]/", "unspecified")]
    [InlineData("http://017700000001/", "loopback")]
    [InlineData("http://\uff10x7f.1/", "loopback")]
    [InlineData("http://127.0.0.1./hook", "loopback")]
    [InlineData("http://LOCALHOST./hook", "loopback")]
    [InlineData("http://10.1/hook", "private")]
    [InlineData("http://2852039166/latest/meta-data", "link-local")]
    [InlineData("http://[::ffff:7f00:1]/hook", "127.0.0.1")]
    [InlineData("http://[64:ff9b::a00:1]/hook", "10.0.0.1")]
    [InlineData("http://[2002:a00:1::1]/hook", "10.0.0.1")]
    [InlineData("http://[fe80::1%25eth0]/hook", "link-local")]
    [InlineData("http://100.64.0.1/hook", "carrier-grade NAT")]
    [InlineData("http://198.18.0.1/hook", "benchmarking")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    [InlineData("http://4294967295/hook", "broadcast")]
    public void Validate_RefusedUrl_SaysWhy(string url, string reason)
    {
        var error = UrlPolicy.Validate(new Uri(url));

        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RelativeOrTooLong_IsRefused()
    {
        Assert.NotNull(UrlPolicy.Validate(new Uri("/hook", UriKind.Relative)));
        Assert.NotNull(UrlPolicy.Validate(new Uri("https://hooks.example.com/" + new string('a', 2100))));
    }

    [Fact]
    public void Validate_LoopbackWhenAllowed_IsAccepted()
    {
        Assert.Null(UrlPolicy.Validate(new Uri("http://127.0.0.1:5000/hook"), ["127.0.0.0/8"]));
        Assert.Null(UrlPolicy.Validate(new Uri("http://localhost:5000/hook"), ["127.0.0.0/8"]));
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", null)]
    [InlineData("http://hooks.example.com/x", null)]
    [InlineData("https://hooks.example.com:8443/x", null)]
    [InlineData("https://hooks.example.com:22/x", "port 22")]
    [InlineData("http://hooks.example.com:443/x", null)]
    [InlineData("http://93.184.215.14:6379/x", "port 6379")]
    public void Validate_AllowedPorts_OnlyThosePortsIncludingTheSchemesDefault(string url, string? refusal)
    {
        var guard = NetworkGuard.Create([], [80, 443, 8080, 8443]);

        var reason = UrlPolicy.Validate(new Uri(url), guard);

        if (refusal is null) Assert.Null(reason);
        else Assert.StartsWith(refusal, reason, StringComparison.Ordinal);
    }
}
