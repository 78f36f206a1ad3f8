using Microsoft.AspNetCore.DataProtection;

namespace TechLink.Server.Webhooks;

/// <summary>Tokens and signing secrets are encrypted at rest with Data Protection; only this class sees them in clear.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("TechLink.Webhooks.Secrets.v1");

    public string Protect(string clear) => _protector.Protect(clear);

    public string Unprotect(string protectedValue) => _protector.Unprotect(protectedValue);

    public string? UnprotectOrNull(string? protectedValue) => protectedValue is null ? null : _protector.Unprotect(protectedValue);

    /// <summary>"s3cr3t-token" → "********oken": enough to recognise, not enough to use.</summary>
    public static string? Mask(string? clear) => clear switch
    {
        null => null,
        { Length: < 8 } => new string('*', clear.Length),
        _ => new string('*', clear.Length - 4) + clear[^4..],
    };
}
