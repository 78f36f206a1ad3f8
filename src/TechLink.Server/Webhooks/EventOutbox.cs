using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Writes an event into the outbox and one delivery per matching enabled registration, into the caller's
/// DbContext: they are saved by the same SaveChanges, in the same transaction, as the change itself.
/// </summary>
public sealed class EventOutbox(TimeProvider clock)
{
    public async Task<OutboxMessage> AddAsync(TechLinkDbContext db, long companyId, string eventType, long? workOrderId, object payload, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var message = new OutboxMessage
        {
            TenantId = companyId,
            EventType = eventType,
            Subject = Formats.Id(workOrderId),
            Payload = JsonSerializer.Serialize(payload, payload.GetType(), ApiJson.Options),
            CreatedAt = now,
        };
        db.Events.Add(message);

        var registrations = await db.WebhookRegistrations.AsNoTracking()
            .Where(r => r.CompanyId == companyId && r.Enabled)
            .Select(r => new { r.Id, r.EventTypes })
            .ToListAsync(cancellationToken);
        foreach (var registration in registrations)
        {
            var types = registration.EventTypes.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (!types.Contains(EventCatalog.Wildcard) && !types.Contains(eventType))
            {
                continue;
            }

            db.Deliveries.Add(new DeliveryRecord
            {
                Message = message,
                EndpointId = registration.Id,
                TenantId = companyId,
                WebhookId = NewWebhookId(),
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }

        return message;
    }

    public static string NewWebhookId() => "msg_" + Guid.CreateVersion7().ToString("N");
}
