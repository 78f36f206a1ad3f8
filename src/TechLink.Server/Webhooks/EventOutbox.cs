using System.Runtime.CompilerServices;
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
/// <remarks>
/// A unit of work that writes many events (a bulk change, a refresh, the benchmark) reads the company's registrations
/// once: they are remembered by that DbContext until it saves changes or itself adds, changes or removes a
/// registration. Another transaction's registration change is seen by the next DbContext,
/// as it would be by a query made a moment earlier.
/// </remarks>
public sealed class EventOutbox(TimeProvider clock)
{
    private sealed record Registration(long Id, string[] Types);

    private readonly ConditionalWeakTable<DbContext, Dictionary<long, List<Registration>>> _registrations = [];

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

        foreach (var registration in await RegistrationsAsync(db, companyId, cancellationToken))
        {
            if (!registration.Types.Contains(EventCatalog.Wildcard) && !registration.Types.Contains(eventType))
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

    private async Task<List<Registration>> RegistrationsAsync(TechLinkDbContext db, long companyId, CancellationToken cancellationToken)
    {
        if (!_registrations.TryGetValue(db, out var known))
        {
            known = [];
            _registrations.Add(db, known);
            // What this DbContext saved may have been a registration: read them again after any save.
            db.SavedChanges += (_, _) => known.Clear();
        }

        var changedHere = ChangedHere(db);
        if (!changedHere && known.TryGetValue(companyId, out var cached)) return cached;
        var rows = await db.WebhookRegistrations.AsNoTracking()
            .Where(r => r.CompanyId == companyId && r.Enabled)
            .Select(r => new { r.Id, r.EventTypes })
            .ToListAsync(cancellationToken);
        var registrations = rows.Select(r => new Registration(r.Id, r.EventTypes.Split('\n', StringSplitOptions.RemoveEmptyEntries))).ToList();
        if (changedHere) known.Remove(companyId);
        else known[companyId] = registrations;
        return registrations;
    }

    /// <summary>Whether this DbContext added, changed or removed a registration (without a DetectChanges scan per event).</summary>
    private static bool ChangedHere(DbContext db)
    {
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return db.ChangeTracker.Entries<WebhookRegistration>().Any(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    public static string NewWebhookId() => "msg_" + Guid.CreateVersion7().ToString("N");
}
