using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Network;
using TechLink.Delivery.Signing;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// The registrations' actions (the spec's Type, URL, Token, Enabled; secrets; pause and resume), for the API and the
/// portal alike: each checks the caller and the request, changes the registration with its audit entry in one
/// transaction, and answers the registration (with its health) or a <see cref="Refusal"/> (then nothing stays).
/// </summary>
public sealed class RegistrationService(
    TechLinkDbContext db, WebhookSecrets secrets, EndpointChanges changes, IOptions<DeliveryOptions> delivery, IOptions<WebhookOptions> limits, TimeProvider clock)
{
    /// <summary>The longest registration URL accepted (issue 15): longer ones are refused with a 400 naming <c>url</c>.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>The registration, tracked; null when missing or another company's (the tenancy filter).</summary>
    internal static async Task<WebhookRegistration?> FindAsync(string webhookId, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(webhookId, out var id)) return null;
        var r = await db.WebhookRegistrations.FirstOrDefaultAsync(x => x.Id == id, ct);
        return r;
    }

    internal static Refusal Missing => Refusal.NotFound("webhook registration");

    public async Task<Outcome<Page<WebhookResponse>>> ListAsync(Caller caller, string? companyId, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var query = db.WebhookRegistrations.AsNoTracking().Where(r => r.Id > page.After);
        if (caller.IsStaff && companyId is not null)
        {
            if (!Formats.TryParseId(companyId, out var c)) return Refusal.Validation("company_id", "'company_id' must be an id.");
            query = query.Where(r => r.CompanyId == c);
        }

        var rows = await query.OrderBy(r => r.Id).Take(page.Limit + 1).ToListAsync(ct);
        var health = await WebhookHealth.ForAsync(db, rows, delivery.Value, clock.GetUtcNow().UtcDateTime, ct);
        return page.Build(rows, r => r.Id, r => WebhookResponse.From(r, secrets.UnprotectOrNull(r.TokenProtected), health: health[r.Id]));
    }

    public async Task<Outcome<WebhookResponse>> GetAsync(Caller caller, string webhookId, CancellationToken ct) =>
        await FindAsync(webhookId, db, ct) is { } r ? await AnswerAsync(r, ct) : Missing;

    public async Task<Outcome<WebhookResponse>> CreateAsync(Caller caller, WebhookRequest request, CancellationToken ct)
    {
        var v = new Validator();
        var companyId = caller.IsStaff ? v.Id("company_id", request.CompanyId) : caller.CompanyId!.Value;
        if (request.Type is null) v.Add("type", "'type' is required: an event type, \"(all current webhooks)\" or \"(any webhooks)\".");
        if (request.Url is null) v.Add("url", "'url' is required: an absolute http(s) URL.");
        var now = Formats.Now(clock);
        var registration = new WebhookRegistration
        {
            CompanyId = companyId, Type = "", EventTypes = "", Url = "", SecretProtected = "", Enabled = true, CreatedAt = now, UpdatedAt = now,
        };
        Apply(registration, request, v);
        if (v.Failed) return v.Refusal();

        return await db.CommitOnSuccessAsync<WebhookResponse>(async () =>
        {
            if (await RegistrationRules.CheckAsync(db, registration, limits.Value.MaxPerCompany, ct) is { } refusal) return refusal;
            var secret = WebhookSecret.Generate();
            registration.SecretProtected = secrets.Protect(secret);
            db.WebhookRegistrations.Add(registration);
            await db.SaveChangesAsync(ct);
            WebhookAudit.Created(db, caller.Principal, registration);
            return WebhookResponse.From(registration, request.Token is { Length: > 0 } ? request.Token : null, secret);
        }, ct);
    }

    /// <summary>PUT (<paramref name="replace"/>: what is left out goes back to its default) or PATCH (only what is given).</summary>
    public async Task<Outcome<WebhookResponse>> UpdateAsync(Caller caller, string webhookId, WebhookRequest request, bool replace, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, db, ct);
        if (r is null) return Missing;
        var v = new Validator();
        if (request.CompanyId is not null && request.CompanyId != Formats.Id(r.CompanyId)) v.Add("company_id", "A registration cannot move to another company.");
        if (replace)
        {
            if (request.Type is null) v.Add("type", "'type' is required.");
            if (request.Url is null) v.Add("url", "'url' is required.");
            request = request with { Token = request.Token ?? "", Enabled = request.Enabled ?? true, Description = request.Description ?? "" };
        }

        var (type, url) = (r.Type, r.Url);
        var (credentials, wasEnabled) = (Credentials(r), r.Enabled);
        var before = WebhookAudit.Snapshot(r);
        Apply(r, request, v);
        if (v.Failed) return v.Refusal();
        r.UpdatedAt = Formats.Now(clock);
        if (Credentials(r) != credentials) r.CredentialsChangedAt = r.UpdatedAt;
        if (r.Enabled && !wasEnabled) await AutoDisabler.ReEnableAsync(db, r, ct);
        var outcome = await db.CommitOnSuccessAsync<WebhookResponse>(async () =>
        {
            // Only a new type or URL can make it identical to another; a toggle never is refused for what exists.
            if ((r.Type != type || r.Url != url) && await RegistrationRules.CheckAsync(db, r, maxPerCompany: null, ct) is { } refusal) return refusal;
            WebhookAudit.Updated(db, caller.Principal, before, r);
            await db.SaveChangesAsync(ct);
            return await AnswerAsync(r, ct);
        }, ct);

        // Enabled again: a replay queued while it was disabled waits parked until now.
        if (!wasEnabled && r.Enabled && outcome.Succeeded) await UnparkIfActiveAsync(r, ct);
        return outcome;
    }

    public async Task<Outcome<string>> DeleteAsync(Caller caller, string webhookId, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, db, ct);
        if (r is null) return Missing;
        db.WebhookRegistrations.Remove(r);
        AuditLog.Add(db, caller.Principal, Formats.Now(clock), "webhook.deleted", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        // Deliveries parked while it was paused are due again, so the dispatcher ends them ("registration deleted").
        await changes.UnparkAsync(db, [r.Id], ct);
        return Formats.Id(r.Id);
    }

    /// <summary>The signing secret. Who saw a secret is worth knowing after a leak: the reveal is written before it is answered.</summary>
    public async Task<Outcome<SecretResponse>> RevealSecretAsync(Caller caller, string webhookId, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, db, ct);
        if (r is null) return Missing;
        AuditLog.Add(db, caller.Principal, Formats.Now(clock), "webhook.secret_revealed", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        return new SecretResponse(Formats.Id(r.Id), secrets.Unprotect(r.SecretProtected), Formats.Instant(r.PreviousSecretExpiresAt));
    }

    /// <summary>A new secret; the previous one still signs for 24 hours.</summary>
    public async Task<Outcome<SecretResponse>> RotateSecretAsync(Caller caller, string webhookId, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, db, ct);
        if (r is null) return Missing;
        var now = Formats.Now(clock);
        var secret = WebhookSecret.Generate();
        r.PreviousSecretProtected = r.SecretProtected;
        r.PreviousSecretExpiresAt = now.AddHours(24);
        r.SecretProtected = secrets.Protect(secret);
        r.UpdatedAt = now;
        r.CredentialsChangedAt = now;
        AuditLog.Add(db, caller.Principal, now, "webhook.secret_rotated", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        return new SecretResponse(Formats.Id(r.Id), secret, Formats.Instant(r.PreviousSecretExpiresAt));
    }

    /// <summary>Deliveries stay pending, unattempted, until <see cref="ResumeAsync"/>; the dispatcher parks them (<see cref="Parking"/>).</summary>
    public Task<Outcome<WebhookResponse>> PauseAsync(Caller caller, string webhookId, CancellationToken ct) => SetPausedAsync(caller, webhookId, paused: true, ct);

    /// <summary>Unparks the registration's deliveries, due again in creation order, and wakes the dispatchers.</summary>
    public Task<Outcome<WebhookResponse>> ResumeAsync(Caller caller, string webhookId, CancellationToken ct) => SetPausedAsync(caller, webhookId, paused: false, ct);

    private async Task<Outcome<WebhookResponse>> SetPausedAsync(Caller caller, string webhookId, bool paused, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, db, ct);
        if (r is null) return Missing;
        if (r.Paused != paused)
        {
            r.Paused = paused;
            r.UpdatedAt = Formats.Now(clock);
            WebhookAudit.PausedOrResumed(db, caller.Principal, r);
            // Committed (and forgotten by every node's directory) before the rows are unparked or the answer goes out.
            await db.SaveChangesAsync(ct);
        }

        // Also when it was not paused: unparking is idempotent and frees anything a lost race may have left parked.
        if (!paused) await UnparkIfActiveAsync(r, ct);
        return await AnswerAsync(r, ct);
    }

    /// <summary>An enabled, unpaused registration's parked rows (after a resume, an enable, or a replay queued while inactive) are due again.</summary>
    private async Task UnparkIfActiveAsync(WebhookRegistration r, CancellationToken ct)
    {
        if (r.Enabled && !r.Paused) await changes.UnparkAsync(db, [r.Id], ct);
    }

    /// <summary>A registration's answer with its health.</summary>
    private async Task<WebhookResponse> AnswerAsync(WebhookRegistration r, CancellationToken ct)
    {
        var health = await WebhookHealth.ForAsync(db, r, delivery.Value, clock.GetUtcNow().UtcDateTime, ct);
        return WebhookResponse.From(r, secrets.UnprotectOrNull(r.TokenProtected), health: health);
    }

    /// <summary>What the receiver authenticates by: a change starts <c>auth_rejected_after_change</c>'s watch.</summary>
    private (string Url, string? Token) Credentials(WebhookRegistration r) => (r.Url, secrets.UnprotectOrNull(r.TokenProtected));

    private void Apply(WebhookRegistration r, WebhookRequest request, Validator v)
    {
        if (request.Type is not null)
        {
            if (!EventCatalog.IsRegistrationType(request.Type))
            {
                v.Add("type", "'type' must be an event type of GET /api/v1/webhooks/event-types, \"(all current webhooks)\" or \"(any webhooks)\".");
            }
            else if (request.Type != r.Type)
            {
                r.Type = request.Type;
                r.EventTypes = string.Join('\n', EventCatalog.EventTypesFor(request.Type));
            }
        }

        if (request.Url is not null)
        {
            if (request.Url.Length > MaxUrlLength) v.Add("url", $"'url' must be at most {MaxUrlLength} characters (this one has {request.Url.Length}).");
            else if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var uri)) v.Add("url", "'url' must be an absolute URL, e.g. https://yourserver.com/techlink_webhook/.");
            else if (UrlPolicy.Validate(uri, NetworkGuard.Create(delivery.Value)) is { } error) v.Add("url", error);
            else r.Url = Canonical(uri);
        }

        if (request.Token is not null)
        {
            if (request.Token.Length > 256) v.Add("token", "'token' must be at most 256 characters.");
            else if (request.Token.Any(c => c is < ' ' or > '~')) v.Add("token", "'token' must be printable ASCII without line breaks.");
            else r.TokenProtected = request.Token.Length == 0 ? null : secrets.Protect(request.Token);
        }

        if (request.Enabled is { } enabled) r.Enabled = enabled;
        if (request.Description is not null)
        {
            var description = v.Text("description", request.Description, 200);
            r.Description = string.IsNullOrEmpty(description) ? null : description;
        }
    }

    /// <summary>IDN hosts are stored as punycode, so what we show is what we connect to.</summary>
    private static string Canonical(Uri uri)
    {
        var builder = new UriBuilder(uri) { Host = uri.IdnHost };
        if (uri.IsDefaultPort) builder.Port = -1;
        return builder.Uri.AbsoluteUri;
    }
}
