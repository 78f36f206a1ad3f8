using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// The tokens of the time-limited file URLs (<c>/files/{token}</c>): a Data Protection token that names the file and
/// expires <see cref="FileOptions.UrlLifetime"/> after it is made. One signer for the API's answers, the webhook
/// payloads (signed at each attempt) and the feed.
/// </summary>
public sealed class FileUrlSigner(IOptions<TechLinkOptions> options, IDataProtectionProvider dataProtection, TimeProvider clock)
{
    /// <summary>The path segment before the token in every file URL.</summary>
    public const string PathSegment = "files/";

    private readonly ITimeLimitedDataProtector _protector = dataProtection.CreateProtector("TechLink.FileUrls").ToTimeLimitedDataProtector();

    public (string Token, DateTime ExpiresAt) Sign(long fileId)
    {
        var expires = Formats.Now(clock).Add(options.Value.Files.UrlLifetime);
        return (_protector.Protect(fileId.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(expires)), expires);
    }

    /// <summary>The file id a URL token names, if it is genuine and not expired.</summary>
    public long? Read(string token)
    {
        try
        {
            var text = _protector.Unprotect(token, out var expiration);
            if (expiration < clock.GetUtcNow()) return null;
            return long.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
