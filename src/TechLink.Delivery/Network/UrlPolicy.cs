using System.Net;

namespace TechLink.Delivery.Network;

/// <summary>
/// Registration-time check of a webhook URL. Host names are only judged by name here; the addresses they resolve
/// to are checked where the socket connects (<see cref="WebhookSender"/>), so DNS rebinding gains nothing.
/// The port (the scheme's default when none is written) must be one the guard allows.
/// </summary>
public static class UrlPolicy
{
    public const int MaxLength = 2048;

    /// <summary>Null when <paramref name="url"/> may be registered, otherwise the reason.</summary>
    public static string? Validate(Uri? url, IEnumerable<string>? allowedNetworks = null) =>
        Validate(url, NetworkGuard.Create(allowedNetworks));

    public static string? Validate(Uri? url, NetworkGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        if (url is null) return "url is required";
        if (!url.IsAbsoluteUri) return "url must be absolute";
        if (url.OriginalString.Length > MaxLength) return $"url must not be longer than {MaxLength} characters";
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) return "url must use http or https";
        if (url.UserInfo.Length > 0) return "url must not contain user info";
        var host = url.IdnHost.TrimEnd('.');
        if (host.Length == 0) return "url must have a host";
        return CheckHost(url, host, guard) ?? guard.CheckPort(url.Port);
    }

    private static string? CheckHost(Uri url, string host, NetworkGuard guard)
    {
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            // IPAddress.TryParse also reads decimal, hex and octal forms (2130706433, 0x7f.1, 0177.0.0.1): parse, then judge the address.
            if (!IPAddress.TryParse(host.Trim('[', ']'), out var address)) return $"host {host} is not a valid address";
            return guard.Check(address);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            // localhost is loopback by definition: allowed only where loopback is.
            return guard.Check(IPAddress.Loopback) is null ? null : $"host {host} is a loopback name";
        }

        return null;
    }
}
