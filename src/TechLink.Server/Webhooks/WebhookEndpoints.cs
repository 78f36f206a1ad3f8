using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Sending;
using TechLink.Delivery.Signing;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>Registrations (the spec's Type, URL, Token, Enabled), their secrets, the test button, the delivery log.</summary>
public static class WebhookEndpoints
{
    /// <summary>The longest registration URL accepted (issue 15): longer ones are refused with a 400 naming <c>url</c>.</summary>
    public const int MaxUrlLength = 2048;

    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhooks").WithTags("Webhooks");
        group.MapGet("/event-types", EventTypes).Produces<Page<EventTypeResponse>>();
        group.MapGet("/", ListAsync).Produces<Page<WebhookResponse>>();
        group.MapPost("/", CreateAsync).Produces<WebhookResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("type", "url");
        group.MapGet("/deliveries", ListDeliveriesAsync).Produces<Page<DeliveryResponse>>();
        group.MapGet("/deliveries/{delivery_id}", GetDeliveryAsync).Produces<DeliveryResponse>();
        group.MapPost("/deliveries/{delivery_id}/redeliver", RedeliverSnapshotAsync).Produces<DeliveryResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{webhook_id}", GetAsync).Produces<WebhookResponse>();
        group.MapPut("/{webhook_id}", (string webhook_id, WebhookRequest r, HttpContext h, TechLinkDbContext db, WebhookSecrets s, IOptions<DeliveryOptions> o, TimeProvider c, CancellationToken ct) =>
            UpdateAsync(webhook_id, r, replace: true, h, db, s, o, c, ct)).Produces<WebhookResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("type", "url");
        group.MapPatch("/{webhook_id}", (string webhook_id, WebhookRequest r, HttpContext h, TechLinkDbContext db, WebhookSecrets s, IOptions<DeliveryOptions> o, TimeProvider c, CancellationToken ct) =>
            UpdateAsync(webhook_id, r, replace: false, h, db, s, o, c, ct)).Produces<WebhookResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{webhook_id}", DeleteAsync).Produces(StatusCodes.Status204NoContent);
        group.MapGet("/{webhook_id}/secret", GetSecretAsync).Produces<SecretResponse>();
        group.MapPost("/{webhook_id}/secret/rotate", RotateSecretAsync).Produces<SecretResponse>();
        group.MapPost("/{webhook_id}/test", TestAsync).Produces<TestResponse>().ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/{webhook_id}/check", WebhookCheck.CheckAsync).Produces<CheckResponse>().ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapWebhookOperations();
        return api;
    }

    private static IResult EventTypes() => TypedResults.Ok(new Page<EventTypeResponse>(
    [
        .. EventCatalog.All.Select(t => new EventTypeResponse(t.Type, t.Description, false, EventSamples.For(t.Type) is { } s ? JsonSerializer.SerializeToElement(s, s.GetType(), ApiJson.Options) : null)),
        new EventTypeResponse(EventCatalog.AllCurrent, "Every event type available when the registration is saved (the list is frozen then).", true, null),
        new EventTypeResponse(EventCatalog.Any, "Events of any type, even types added after the registration was created (a true wildcard).", true, null),
    ], null));

    internal static async Task<WebhookRegistration?> FindAsync(string webhookId, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(webhookId, out var id)) return null;
        var r = await db.WebhookRegistrations.FirstOrDefaultAsync(x => x.Id == id, ct);
        return r is not null && Caller.From(http.User).CanSee(r.CompanyId) ? r : null;
    }

    internal static async Task<IResult> ListAsync(string? company_id, int? limit, string? cursor, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var query = db.WebhookRegistrations.AsNoTracking().Where(r => r.Id > page.After);
        if (!caller.IsStaff) query = query.Where(r => r.CompanyId == caller.CompanyId);
        else if (company_id is not null)
        {
            if (!Formats.TryParseId(company_id, out var c)) return Problems.Validation("company_id", "'company_id' must be an id.");
            query = query.Where(r => r.CompanyId == c);
        }

        var rows = await query.OrderBy(r => r.Id).Take(page.Limit + 1).ToListAsync(ct);
        var health = await WebhookHealth.ForAsync(db, rows, http.RequestServices.GetRequiredService<IOptions<DeliveryOptions>>().Value,
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime, ct);
        return TypedResults.Ok(page.Build(rows, r => r.Id, r => WebhookResponse.From(r, secrets.UnprotectOrNull(r.TokenProtected), health: health[r.Id])));
    }

    internal static async Task<IResult> GetAsync(string webhook_id, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, CancellationToken ct)
    {
        var r = await FindAsync(webhook_id, http, db, ct);
        return r is null ? Problems.NotFound("webhook registration") : TypedResults.Ok(await AnswerAsync(r, http, db, secrets, ct));
    }

    internal static async Task<IResult> CreateAsync(WebhookRequest request, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets,
        IOptions<DeliveryOptions> delivery, IOptions<WebhookOptions> limits, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var v = new Validator();
        var companyId = caller.IsStaff ? v.Id("company_id", request.CompanyId) : caller.CompanyId!.Value;
        if (request.Type is null) v.Add("type", "'type' is required: an event type, \"(all current webhooks)\" or \"(any webhooks)\".");
        if (request.Url is null) v.Add("url", "'url' is required: an absolute http(s) URL.");
        var now = Formats.Now(clock);
        var registration = new WebhookRegistration
        {
            CompanyId = companyId, Type = "", EventTypes = "", Url = "", SecretProtected = "", Enabled = true, CreatedAt = now, UpdatedAt = now,
        };
        Apply(registration, request, v, secrets, delivery.Value);
        if (v.Failed) return v.Problem();

        return await db.InTransactionAsync<IResult>(async () =>
        {
            if (await RegistrationRules.CheckAsync(db, registration, limits.Value.MaxPerCompany, ct) is { } refusal) return refusal;
            var secret = WebhookSecret.Generate();
            registration.SecretProtected = secrets.Protect(secret);
            db.WebhookRegistrations.Add(registration);
            await db.SaveChangesAsync(ct);
            WebhookAudit.Created(db, http.User, registration);
            return TypedResults.Created($"/api/v1/webhooks/{registration.Id}", WebhookResponse.From(registration, request.Token is { Length: > 0 } ? request.Token : null, secret));
        }, ct);
    }

    internal static async Task<IResult> UpdateAsync(string webhookId, WebhookRequest request, bool replace, HttpContext http, TechLinkDbContext db,
        WebhookSecrets secrets, IOptions<DeliveryOptions> delivery, TimeProvider clock, CancellationToken ct)
    {
        var r = await FindAsync(webhookId, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        var v = new Validator();
        if (request.CompanyId is not null && request.CompanyId != Formats.Id(r.CompanyId)) v.Add("company_id", "A registration cannot move to another company.");
        if (replace)
        {
            // PUT replaces: what is left out goes back to its default (no token, enabled).
            if (request.Type is null) v.Add("type", "'type' is required.");
            if (request.Url is null) v.Add("url", "'url' is required.");
            request = request with { Token = request.Token ?? "", Enabled = request.Enabled ?? true, Description = request.Description ?? "" };
        }

        var (type, url) = (r.Type, r.Url);
        var (credentials, wasEnabled) = (Credentials(r, secrets), r.Enabled);
        var before = WebhookAudit.Snapshot(r);
        Apply(r, request, v, secrets, delivery.Value);
        if (v.Failed) return v.Problem();
        r.UpdatedAt = Formats.Now(clock);
        if (Credentials(r, secrets) != credentials) r.CredentialsChangedAt = r.UpdatedAt;
        if (r.Enabled && !wasEnabled) await AutoDisabler.ReEnableAsync(db, r, ct);
        var result = await db.InTransactionAsync<IResult>(async () =>
        {
            // Only a new type or URL can make it identical to another; a toggle never is refused for what exists.
            if ((r.Type != type || r.Url != url) && await RegistrationRules.CheckAsync(db, r, maxPerCompany: null, ct) is { } refusal) return refusal;
            WebhookAudit.Updated(db, http.User, before, r);
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(await AnswerAsync(r, http, db, secrets, ct));
        }, ct);

        // Enabled again: a replay queued while it was disabled waits parked until now.
        if (!wasEnabled && r.Enabled && result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
        {
            await WebhookOperationsEndpoints.UnparkIfActiveAsync(db, r, http.RequestServices.GetRequiredService<EndpointChanges>(), ct);
        }

        return result;
    }

    /// <summary>A registration's answer with its health.</summary>
    internal static async Task<WebhookResponse> AnswerAsync(WebhookRegistration r, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, CancellationToken ct)
    {
        var health = await WebhookHealth.ForAsync(db, r, http.RequestServices.GetRequiredService<IOptions<DeliveryOptions>>().Value,
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime, ct);
        return WebhookResponse.From(r, secrets.UnprotectOrNull(r.TokenProtected), health: health);
    }

    /// <summary>What the receiver authenticates by: a change starts <c>auth_rejected_after_change</c>'s watch.</summary>
    private static (string Url, string? Token) Credentials(WebhookRegistration r, WebhookSecrets secrets) => (r.Url, secrets.UnprotectOrNull(r.TokenProtected));

    private static void Apply(WebhookRegistration r, WebhookRequest request, Validator v, WebhookSecrets secrets, DeliveryOptions delivery)
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
            else if (UrlPolicy.Validate(uri, NetworkGuard.Create(delivery)) is { } error) v.Add("url", error);
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

    internal static async Task<IResult> DeleteAsync(string webhook_id, HttpContext http, TechLinkDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var r = await FindAsync(webhook_id, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        db.WebhookRegistrations.Remove(r);
        AuditLog.Add(db, http.User, Formats.Now(clock), "webhook.deleted", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        // Deliveries parked while it was paused are due again, so the dispatcher ends them ("registration deleted").
        await http.RequestServices.GetRequiredService<EndpointChanges>().UnparkAsync(db, [r.Id], ct);
        return TypedResults.NoContent();
    }

    internal static async Task<IResult> GetSecretAsync(string webhook_id, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var r = await FindAsync(webhook_id, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        // Who saw a secret is worth knowing after a leak: the reveal is written before the secret is answered.
        AuditLog.Add(db, http.User, Formats.Now(clock), "webhook.secret_revealed", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SecretResponse(Formats.Id(r.Id), secrets.Unprotect(r.SecretProtected), Formats.Instant(r.PreviousSecretExpiresAt)));
    }

    internal static async Task<IResult> RotateSecretAsync(string webhook_id, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var r = await FindAsync(webhook_id, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        var now = Formats.Now(clock);
        var secret = WebhookSecret.Generate();
        r.PreviousSecretProtected = r.SecretProtected;
        r.PreviousSecretExpiresAt = now.AddHours(24);
        r.SecretProtected = secrets.Protect(secret);
        r.UpdatedAt = now;
        r.CredentialsChangedAt = now;
        AuditLog.Add(db, http.User, now, "webhook.secret_rotated", WebhookAudit.TargetType, r.Id, r.CompanyId);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new SecretResponse(Formats.Id(r.Id), secret, Formats.Instant(r.PreviousSecretExpiresAt)));
    }

    /// <summary>
    /// Sends a sample now. Limited per company (<see cref="TestSendLimiter"/>), after the lookup and the validation, so
    /// only real sends count. The answer's error is the caller's kind (<see cref="AttemptOutcome.CallerError"/>), and a
    /// receiver reached only through AllowedNetworks shows its status but not its body.
    /// </summary>
    internal static async Task<IResult> TestAsync(string webhook_id, TestRequest? request, HttpContext http, TechLinkDbContext db, WebhookSecrets secrets,
        WebhookSender sender, TestSendLimiter limiter, TimeProvider clock, CancellationToken ct)
    {
        var r = await FindAsync(webhook_id, http, db, ct);
        if (r is null) return Problems.NotFound("webhook registration");
        var type = request?.Event ?? r.EventTypeList.FirstOrDefault(t => t != EventCatalog.Wildcard) ?? TechLink.Webhooks.TechLinkEventTypes.WorkOrderStatusChange;
        if (!EventCatalog.IsEventType(type)) return Problems.Validation("event", $"'{Problems.Quote(type)}' is not an event type.");
        if (limiter.TryAcquire(r.CompanyId) is { } wait)
        {
            return new TooManyRequestsResult(wait, $"Too many test sends for this company; try again in {RateLimiting.Seconds(wait)} s.");
        }

        var sample = EventSamples.For(type)!;
        var payload = JsonSerializer.Serialize(sample, sample.GetType(), ApiJson.Options);
        var target = EndpointDirectory.ToTarget(r, secrets, clock) with { Enabled = true };
        var webhookId = EventOutbox.NewWebhookId();
        var outcome = await sender.SendAsync(target, webhookId, payload, ct);
        TestSendLog.Add(db, r, type, payload, webhookId, outcome, Formats.Now(clock));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new TestResponse(outcome.Succeeded, outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds, outcome.CallerError,
            outcome.ResponseExcerpt, type, webhookId, outcome.AnswerWithheld));
    }

    internal static async Task<IResult> ListDeliveriesAsync(string? webhook_id, string? status, string? @event, string? workorder_id, string? company_id,
        int? limit, string? cursor, HttpContext http, TechLinkDbContext db, CancellationToken ct,
        string? since = null, string? until = null, string? status_code = null, string? webhook_message_id = null, string? test = null)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var v = new Validator();
        // Newest first: the log is read to see what just happened. The cursor walks backwards.
        var query = db.Deliveries.AsNoTracking().Include(d => d.Message).Include(d => d.Attempts).AsSplitQuery();
        if (page.After > 0) query = query.Where(d => d.Id < page.After);
        if (!caller.IsStaff) query = query.Where(d => d.TenantId == caller.CompanyId);
        else if (company_id is not null)
        {
            var c = v.Id("company_id", company_id);
            query = query.Where(d => d.TenantId == c);
        }

        if (webhook_id is not null)
        {
            var w = v.Id("webhook_id", webhook_id);
            query = query.Where(d => d.EndpointId == w);
        }

        if (status is not null)
        {
            DeliveryStatus? s = status switch { "pending" or "retrying" => DeliveryStatus.Pending, "succeeded" => DeliveryStatus.Succeeded, "failed" => DeliveryStatus.Failed, _ => null };
            if (s is null) v.Add("status", "'status' must be pending, retrying (pending after a failed attempt), succeeded or failed.");
            else query = query.Where(d => d.Status == s);
            if (status == "retrying") query = query.Where(d => d.AttemptCount > 0);
        }

        query = DeliveryLogFilters.Apply(query, v, since, until, status_code, webhook_message_id, test);
        if (@event is not null) query = query.Where(d => d.Message!.EventType == @event);
        if (workorder_id is not null)
        {
            v.Id("workorder_id", workorder_id);
            query = query.Where(d => d.Message!.Subject == workorder_id);
        }

        if (v.Failed) return v.Problem();
        var rows = await query.OrderByDescending(d => d.Id).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Build(rows, d => d.Id, d => DeliveryResponse.From(d, d.Message!, withPayload: false)));
    }

    private static async Task<DeliveryRecord?> FindDeliveryAsync(string deliveryId, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(deliveryId, out var id)) return null;
        var d = await db.Deliveries.Include(x => x.Message).Include(x => x.Attempts).AsSplitQuery().FirstOrDefaultAsync(x => x.Id == id, ct);
        return d is not null && Caller.From(http.User).CanSee(d.TenantId) ? d : null;
    }

    internal static async Task<IResult> GetDeliveryAsync(string delivery_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var d = await FindDeliveryAsync(delivery_id, http, db, ct);
        if (d is null) return Problems.NotFound("delivery");
        // Links in the payload are signed now, as the next attempt would sign them (the row itself is not changed).
        var files = http.RequestServices.GetRequiredService<WorkOrders.FileUrlFinisher>();
        var shown = new OutboxMessage { Id = d.Message!.Id, TenantId = d.Message.TenantId, EventType = d.Message.EventType, Subject = d.Message.Subject, Payload = files.Finish(d.Message.Payload), CreatedAt = d.Message.CreatedAt };
        return TypedResults.Ok(DeliveryResponse.From(d, shown, withPayload: true));
    }

    /// <summary><c>POST /webhooks/deliveries/{delivery_id}/redeliver</c> with its optional <c>{snapshot}</c>.</summary>
    internal static async Task<IResult> RedeliverSnapshotAsync(string delivery_id, RedeliverRequest? request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, FileStore files, TimeProvider clock, CancellationToken ct)
    {
        if (request?.Snapshot is not (null or RedeliverRequest.Original or RedeliverRequest.Current))
        {
            return Problems.Validation("snapshot", $"'snapshot' must be '{RedeliverRequest.Original}' or '{RedeliverRequest.Current}'.");
        }

        if (request?.Snapshot != RedeliverRequest.Current) return await RedeliverAsync(delivery_id, http, db, clock, ct);
        var d = await FindDeliveryAsync(delivery_id, http, db, ct);
        return d is null ? Problems.NotFound("delivery") : await SnapshotRedelivery.RedeliverCurrentAsync(d, db, outbox, files, ct);
    }

    internal static async Task<IResult> RedeliverAsync(string delivery_id, HttpContext http, TechLinkDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var d = await FindDeliveryAsync(delivery_id, http, db, ct);
        if (d is null) return Problems.NotFound("delivery");
        if (d.Status == DeliveryStatus.Pending) return Problems.Conflict("This delivery is still pending; it can be redelivered once it has succeeded or failed.");
        if (!await db.WebhookRegistrations.AnyAsync(r => r.Id == d.EndpointId, ct)) return Problems.Conflict("The registration of this delivery was deleted.");
        var again = DeliveryCommands.Redeliver(db, d, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        again.Message = d.Message;
        return TypedResults.Accepted($"/api/v1/webhooks/deliveries/{again.Id}", DeliveryResponse.From(again, d.Message!, withPayload: false));
    }
}
