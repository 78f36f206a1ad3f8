using System.Text.Json;
using TechLink.Delivery.Model;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

public sealed record WebhookRequest(string? CompanyId, string? Type, string? Url, string? Token, bool? Enabled, string? Description = null);

public sealed record WebhookResponse(
    string WebhookId, string CompanyId, string Type, string Url, string? Token, bool Enabled, IReadOnlyList<string> EventTypes,
    string CreatedAt, string UpdatedAt, string? SigningSecret = null, string? Description = null, WebhookHealthResponse? Health = null)
{
    /// <summary>Deliveries are kept pending, unattempted, until resumed (<c>POST /webhooks/{id}/resume</c>).</summary>
    public bool Paused { get; init; }

    /// <param name="health">Computed by <see cref="WebhookHealth"/>; without it, the state the registration alone tells (a new one: unknown).</param>
    public static WebhookResponse From(WebhookRegistration r, string? clearToken, string? signingSecret = null, WebhookHealthResponse? health = null) => new(
        Formats.Id(r.Id), Formats.Id(r.CompanyId), r.Type, r.Url, WebhookSecrets.Mask(clearToken), r.Enabled, r.EventTypeList,
        Formats.Instant(r.CreatedAt), Formats.Instant(r.UpdatedAt), signingSecret, r.Description,
        health ?? WebhookHealth.Compute(r, null, [], new TechLink.Delivery.DeliveryOptions(), r.UpdatedAt)) { Paused = r.Paused };
}

public sealed record SecretResponse(string WebhookId, string SigningSecret, string? PreviousSecretExpiresAt);

public sealed record EventTypeResponse(string Type, string Description, bool Special, JsonElement? Sample);

public sealed record TestRequest(string? Event);

/// <summary>The optional body of a redelivery: <c>snapshot</c> <c>original</c> (default) or <c>current</c>.</summary>
public sealed record RedeliverRequest(string? Snapshot)
{
    public const string Original = "original";
    public const string Current = "current";
}

/// <param name="ResponseBodyWithheld">The receiver is private or loopback, reachable only through AllowedNetworks: only its status is shown.</param>
public sealed record TestResponse(bool Success, int? StatusCode, long DurationMs, string? Error, string? ResponseBody, string Event, string WebhookId, bool ResponseBodyWithheld);

public sealed record AttemptResponse(int Attempt, string StartedAt, int? StatusCode, long DurationMs, string? Error, string? ResponseExcerpt);

public sealed record DeliveryResponse(
    string DeliveryId, string WebhookId, string MessageId, string EventId, string Event, string? WorkorderId, string Status, int AttemptCount,
    string? NextAttemptAt, string CreatedAt, string? CompletedAt, string? LastError, string? RedeliveryOf, IReadOnlyList<AttemptResponse> Attempts,
    JsonElement? Payload = null, JsonElement? RequestHeaders = null, bool Test = false)
{
    public static string StatusName(DeliveryStatus s) => s switch
    {
        DeliveryStatus.Pending => "pending",
        DeliveryStatus.Succeeded => "succeeded",
        _ => "failed",
    };

    public static DeliveryResponse From(DeliveryRecord d, OutboxMessage m, bool withPayload)
    {
        var attempts = d.Attempts.OrderBy(a => a.Attempt).ToList();
        JsonElement? headers = withPayload && attempts.LastOrDefault()?.RequestHeaders is { } h ? JsonDocument.Parse(h).RootElement.Clone() : null;
        return new(
            Formats.Id(d.Id), Formats.Id(d.EndpointId), d.WebhookMessageId, Formats.Id(m.Id), m.EventType, m.Subject, StatusName(d.Status), d.AttemptCount,
            d.Status == DeliveryStatus.Pending ? Formats.Instant(d.NextAttemptAt) : null, Formats.Instant(d.CreatedAt), Formats.Instant(d.CompletedAt),
            d.LastError, Formats.Id(d.RedeliveryOfId),
            [.. attempts.Select(a => new AttemptResponse(a.Attempt, Formats.Instant(a.StartedAt), a.StatusCode, a.DurationMs, a.Error, withPayload ? a.ResponseExcerpt : null))],
            withPayload ? JsonDocument.Parse(m.Payload).RootElement.Clone() : null, headers, d.IsTest);
    }
}
