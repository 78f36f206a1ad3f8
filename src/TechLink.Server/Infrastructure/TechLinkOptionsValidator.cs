using System.Net;
using Microsoft.Extensions.Options;

namespace TechLink.Server.Infrastructure;

/// <summary>The checks on <see cref="TechLinkOptions"/> that data annotations cannot say; a failure stops start-up with its message.</summary>
internal sealed class TechLinkOptionsValidator : IValidateOptions<TechLinkOptions>
{
    public ValidateOptionsResult Validate(string? name, TechLinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var url = options.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            if (options.Environment == TechLinkEnvironment.Production)
            {
                failures.Add("TechLink:PublicBaseUrl is required when TechLink:Environment is Production: set it to the address clients use " +
                    "(e.g. https://portal.techlinksvc.net/), so that signed file URLs and stored event payloads never take their host from a request's Host header.");
            }
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || !url.Contains("://", StringComparison.Ordinal))
        {
            failures.Add($"TechLink:PublicBaseUrl must be an absolute http(s) address such as https://portal.techlinksvc.net/, not '{url}'.");
        }

        foreach (var proxy in options.ForwardedHeaders.KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _) && !System.Net.IPNetwork.TryParse(proxy, out _))
            {
                failures.Add($"TechLink:ForwardedHeaders:KnownProxies: '{proxy}' is neither an IP address nor a network such as 10.0.0.0/24.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
