using TechLink.Delivery.Model;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using TechLink.Delivery.Outbox;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Webhooks;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Queues an event, with one delivery per matching enabled registration, on the caller's DbContext: the next
/// SaveChanges writes them after the change itself, in the unit of work's transaction (<see cref="OutboxInterceptor"/>; <c>db.SaveAndPublishAsync</c> or <c>CommitOnSuccessAsync</c>).
/// </summary>
/// <remarks>
/// A unit of work that writes many events (a bulk change, a refresh, the benchmark) reads the company's registrations
/// once: they are remembered by that DbContext until it saves changes or itself adds, changes or removes a
/// registration. Another transaction's registration change is seen by the next DbContext,
/// as it would be by a query made a moment earlier.
/// </remarks>
public sealed class EventOutbox(OutboxInterceptor outbox, TimeProvider clock)
{
    private sealed record Registration(long Id, string[] Types);

    private sealed record RegistrationRow(long Id, string EventTypes);

    /// <summary>Compiled, as every event-writing request reads them (<see cref="CompiledQuery{TQuery}"/>).</summary>
    private static readonly CompiledQuery<Func<TechLinkDbContext, long, IAsyncEnumerable<RegistrationRow>>> EnabledRegistrations = new(() =>
        EF.CompileAsyncQuery((TechLinkDbContext db, long companyId) =>
            db.WebhookRegistrations.AsNoTracking().Where(r => r.CompanyId == companyId && r.Enabled).Select(r => new RegistrationRow(r.Id, r.EventTypes))));

    /// <summary>
    /// What one unit of work knows of the registrations: per company, and whether it changed one itself. Kept in the
    /// context's <see cref="OutboxUnit"/>; disposed when a pooled context starts its next lease, which drops its handlers.
    /// </summary>
    private sealed class Known : IDisposable
    {
        private readonly TechLinkDbContext _db;

        public Known(TechLinkDbContext db)
        {
            _db = db;
            ChangedHere = EventOutbox.ChangedHere(db);
            // What this DbContext saved may have been a registration: read them again after any save.
            db.SavedChanges += OnSaved;
            // From now on the change tracker says when a registration is added, changed or removed here, instead of a
            // scan of its entries per event (a bulk of events paid for that scan once each: 3% of the engine's CPU).
            db.ChangeTracker.Tracked += OnTracked;
            db.ChangeTracker.StateChanged += OnStateChanged;
        }

        public Dictionary<long, List<Registration>> ByCompany { get; } = [];

        public bool ChangedHere { get; set; }

        public void Dispose()
        {
            _db.SavedChanges -= OnSaved;
            _db.ChangeTracker.Tracked -= OnTracked;
            _db.ChangeTracker.StateChanged -= OnStateChanged;
        }

        private void OnSaved(object? sender, SavedChangesEventArgs e)
        {
            ByCompany.Clear();
            ChangedHere = false;
        }

        private void OnTracked(object? sender, EntityTrackedEventArgs e) =>
            ChangedHere |= e.Entry.Entity is WebhookRegistration && e.Entry.State == EntityState.Added;

        private void OnStateChanged(object? sender, EntityStateChangedEventArgs e) =>
            ChangedHere |= e.Entry.Entity is WebhookRegistration && e.NewState is EntityState.Added or EntityState.Modified or EntityState.Deleted;
    }

    /// <summary>Queues a work order event with fields of its own; the record names its type (<c>new WorkOrderScheduled { ... }</c>).</summary>
    public Task AddAsync(TechLinkDbContext db, long companyId, long workOrderId, WorkOrderEvent e, CancellationToken cancellationToken = default) =>
        AddAboutAsync(db, companyId, e.Event, EventSubject.WorkOrder(workOrderId), e, cancellationToken);

    /// <summary>Queues an event whose <c>data</c> is a resource (the body its GET answers); <typeparamref name="TEvent"/> names its type.</summary>
    public Task AddAsync<TEvent>(TechLinkDbContext db, long companyId, EventSubject subject, object data, CancellationToken cancellationToken = default)
        where TEvent : TechLinkEvent, ITechLinkEventType<TEvent> =>
        AddAboutAsync(db, companyId, TEvent.EventName, subject, EventPayload.For(TEvent.EventName, subject, data), cancellationToken);

    /// <summary>Queues an event about a work order (<paramref name="workOrderId"/>), or about nothing the sequence tracks when it is null.</summary>
    public Task AddAsync(TechLinkDbContext db, long companyId, string eventType, long? workOrderId, object payload, CancellationToken cancellationToken = default) =>
        AddAboutAsync(db, companyId, eventType, workOrderId is { } id ? EventSubject.WorkOrder(id) : null, payload, cancellationToken);

    /// <summary>
    /// Saves the unit of work (<see cref="OutboxSaving.SaveAndPublishAsync"/>) with an event whose <c>data</c> is the body
    /// of the row it creates, made by <paramref name="body"/> at that save once the row has its id (so one save writes
    /// both); answers that body, the event's data and the answer being one.
    /// </summary>
    public async Task<T> SaveCreatedAsync<TEvent, T>(TechLinkDbContext db, long companyId, EventSubject subject, Func<T> body, CancellationToken cancellationToken = default)
        where TEvent : TechLinkEvent, ITechLinkEventType<TEvent>
        where T : notnull
    {
        var made = false;
        T created = default!;
        await QueueAsync(db, companyId, TEvent.EventName, subject, "", () =>
        {
            created = body();
            made = true;
            return Json(EventPayload.For(TEvent.EventName, subject, created));
        }, cancellationToken);
        await db.SaveAndPublishAsync(cancellationToken);
        return made ? created : throw new InvalidOperationException($"The '{TEvent.EventName}' event's payload was not made at the save.");
    }

    /// <summary>Queues an event about <paramref name="subject"/>: its deliveries carry the subject's next <c>techlink-sequence</c> number per registration.</summary>
    public Task AddAboutAsync(TechLinkDbContext db, long companyId, string eventType, EventSubject? subject, object payload, CancellationToken cancellationToken = default) =>
        QueueAsync(db, companyId, eventType, subject, Json(payload), null, cancellationToken);

    private static string Json(object payload) => JsonSerializer.Serialize(payload, payload.GetType(), ApiJson.Options);

    /// <summary>The payload is <paramref name="json"/>, or what <paramref name="onSave"/> makes at the save when given.</summary>
    private async Task QueueAsync(TechLinkDbContext db, long companyId, string eventType, EventSubject? subject, string json, Func<string>? onSave, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var deliveries = new List<PendingDelivery>();
        foreach (var registration in await RegistrationsAsync(db, companyId, cancellationToken))
        {
            if (registration.Types.Contains(EventCatalog.Wildcard) || registration.Types.Contains(eventType))
            {
                deliveries.Add(new PendingDelivery(registration.Id, NewWebhookId()));
            }
        }

        outbox.Enqueue(db, new PendingEvent(companyId, eventType, subject?.WorkOrderId, json, now, deliveries)
        {
            SubjectKey = subject?.Key,
            PayloadOnSave = onSave,
        });
    }

    /// <summary>
    /// Queues an event for one registration only (a <c>current</c> snapshot redelivered): a new message with a new
    /// <c>webhook-id</c> and the subject's next <c>techlink-sequence</c> number; answers the webhook-id.
    /// </summary>
    public string AddForRegistration(TechLinkDbContext db, long companyId, string eventType, EventSubject subject, object payload, long registrationId)
    {
        var webhookId = NewWebhookId();
        var payloadJson = JsonSerializer.Serialize(payload, payload.GetType(), ApiJson.Options);
        outbox.Enqueue(db, new PendingEvent(companyId, eventType, subject.WorkOrderId, payloadJson, clock.GetUtcNow().UtcDateTime, [new PendingDelivery(registrationId, webhookId)])
        {
            SubjectKey = subject.Key,
        });
        return webhookId;
    }

    private async Task<List<Registration>> RegistrationsAsync(TechLinkDbContext db, long companyId, CancellationToken cancellationToken)
    {
        var known = db.Outbox.Item(() => new Known(db));
        var changedHere = known.ChangedHere;
        if (!changedHere && known.ByCompany.TryGetValue(companyId, out var cached)) return cached;
        var registrations = new List<Registration>();
        await foreach (var r in EnabledRegistrations.For(db)(db, companyId).WithCancellation(cancellationToken))
        {
            registrations.Add(new Registration(r.Id, r.EventTypes.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }

        if (changedHere) known.ByCompany.Remove(companyId);
        else known.ByCompany[companyId] = registrations;
        return registrations;
    }

    /// <summary>Whether this DbContext already holds an added, changed or removed registration (without a DetectChanges scan).</summary>
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
