using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// What a company may register: at most <see cref="WebhookOptions.MaxPerCompany"/> registrations, and none identical
/// to another of its own (the same type and URL), since each one is a POST of its own per event.
/// </summary>
internal static class RegistrationRules
{
    /// <summary>
    /// The URL as the identical-registration check compares it. Registered URLs are canonical already (scheme and host
    /// in lower case, IDN hosts as punycode, the scheme's default port left out); on top of that, trailing slashes and
    /// the fragment (never sent) do not make another endpoint. Path and query are compared as written: receivers may
    /// route on their case and on query parameters.
    /// </summary>
    public static string Identity(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + uri.AbsolutePath.TrimEnd('/') + uri.Query
            : url;

    /// <summary>
    /// Null when <paramref name="registration"/> (new, or changed in type or URL) may be saved, else the refusal of
    /// it. Call it inside the saving transaction: it first writes the company's row (a no-op update), which takes that
    /// row's write lock on both databases, so requests for one company count and compare one after the other and the
    /// limit holds under concurrency without a unique index. Null <paramref name="maxPerCompany"/>: no count (updates).
    /// </summary>
    public static async Task<Refusal?> CheckAsync(TechLinkDbContext db, WebhookRegistration registration, int? maxPerCompany, CancellationToken ct)
    {
        var companyId = registration.CompanyId;
        var locked = await db.Companies.Where(c => c.Id == companyId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, c => c.Name), ct);
        if (locked == 0) return Refusal.Validation("company_id", "No such company.");

        var others = await db.WebhookRegistrations.AsNoTracking()
            .Where(r => r.CompanyId == companyId && r.Id != registration.Id)
            .OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.Type, r.Url })
            .ToListAsync(ct);
        var identity = Identity(registration.Url);
        if (others.FirstOrDefault(o => o.Type == registration.Type && Identity(o.Url) == identity) is { } same)
        {
            var id = Formats.Id(same.Id);
            return Refusal.Conflict($"Registration {id} already sends '{same.Type}' to {same.Url}; change or enable that one instead.",
                new Dictionary<string, object?> { ["webhook_id"] = id });
        }

        if (maxPerCompany is { } max && others.Count >= max)
        {
            return Refusal.Conflict($"The company has {others.Count} webhook registrations, the most allowed is {max} (TechLink:Webhooks:MaxPerCompany). "
                + "Delete one first, or let one registration take several event types (\"(any webhooks)\").",
                new Dictionary<string, object?> { ["max_per_company"] = max });
        }

        return null;
    }
}
