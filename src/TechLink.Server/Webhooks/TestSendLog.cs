using TechLink.Delivery.Model;
using TechLink.Delivery.Sending;
using TechLink.Server.Data;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Writes a test send (<c>/test</c>, <c>/check</c>) into the delivery log, finished, with its one attempt: listed only
/// with <c>?test=true</c>, never claimed by the dispatcher (it is not pending) and never counted in health (only the
/// dispatcher's result writes are). Its event row belongs to no company (<see cref="NoTenant"/>), so the sample is not
/// in the company's event feed nor in a replay of its events.
/// </summary>
internal static class TestSendLog
{
    public const long NoTenant = Tenancy.NoCompany;

    public static DeliveryRecord Add(TechLinkDbContext db, WebhookRegistration r, string eventType, string payload, string webhookId, AttemptOutcome outcome,
        DateTime now, long? repeats = null)
    {
        var record = new DeliveryRecord
        {
            Message = new OutboxMessage { TenantId = NoTenant, EventType = eventType, Payload = payload, CreatedAt = now },
            EndpointId = r.Id,
            TenantId = r.CompanyId,
            WebhookMessageId = webhookId,
            Status = outcome.Succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Failed,
            AttemptCount = 1,
            NextAttemptAt = now,
            CreatedAt = now,
            CompletedAt = now,
            LastError = outcome.Error,
            LastStatusCode = outcome.StatusCode,
            IsTest = true,
            RedeliveryOfId = repeats,
            Attempts = [outcome.ToAttempt(1)],
        };
        db.Deliveries.Add(record);
        return record;
    }
}
