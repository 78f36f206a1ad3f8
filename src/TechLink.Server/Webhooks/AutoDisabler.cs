using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using TechLink.Delivery.Health;
using TechLink.Delivery.Model;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Auto-disable (issue 14): told by the dispatcher of endpoints whose run of failed deliveries is long and old enough, it
/// checks the rule against the delivery log (the last <c>FailedDeliveries</c> finished deliveries all failed, the oldest
/// created more than <c>FailingFor</c> ago), disables the registration with a conditional update (so of several nodes
/// exactly one wins) and emails the company's active users who have an address, one message each.
/// </summary>
/// <remarks>The dispatcher's result writer calls this: the disable is one statement; the emails go through
/// <see cref="DisabledNotices"/>, so a slow mail server never holds up result writes.</remarks>
internal sealed partial class AutoDisabler(IDbContextFactory<TechLinkDbContext> contexts, IOptions<DeliveryOptions> delivery, DisabledNotices notices, EndpointChanges changes,
    TimeProvider clock, ILogger<AutoDisabler> logger) : IEndpointFailureWatcher
{
    public const string ReasonPrefix = "Disabled automatically";

    /// <summary>Where the portal's company pages find <see cref="DisabledAsync"/>'s list for the banner.</summary>
    public const string BannerKey = "AutoDisabledWebhooks";

    /// <summary>The company's registrations that were disabled automatically and not re-enabled since (the portal's banner).</summary>
    public static async Task<IReadOnlyList<WebhookRegistration>> DisabledAsync(TechLinkDbContext db, long companyId, CancellationToken ct) =>
        await db.WebhookRegistrations.AsNoTracking()
            .Where(r => r.CompanyId == companyId && !r.Enabled && r.DisabledReason != null)
            .OrderBy(r => r.Id)
            .ToListAsync(ct);

    public async Task EndpointsFailingAsync(IReadOnlyList<FailingEndpoint> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints)
        {
            if (await DisableAsync(endpoint.EndpointId, cancellationToken) is { } disabled) notices.Queue(disabled.Id);
        }
    }

    /// <summary>Disables the registration if the rule holds and it is still enabled; answers it when this call disabled it.</summary>
    internal async Task<WebhookRegistration?> DisableAsync(long endpointId, CancellationToken ct)
    {
        var rule = delivery.Value.AutoDisable;
        if (rule.FailedDeliveries <= 0) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var last = await db.Deliveries.AsNoTracking()
            .Where(d => d.EndpointId == endpointId && !d.IsTest && d.Status != DeliveryStatus.Pending)
            .OrderByDescending(d => d.Id).Take(rule.FailedDeliveries)
            .Select(d => new { d.Status, d.CreatedAt })
            .ToListAsync(ct);
        if (last.Count < rule.FailedDeliveries || last.Any(d => d.Status != DeliveryStatus.Failed)) return null;
        var now = Formats.Now(clock);
        var oldest = last.Min(d => d.CreatedAt);
        if (oldest > now - rule.FailingFor) return null;

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{ReasonPrefix}: the last {rule.FailedDeliveries} deliveries all failed, the oldest of them created {Formats.Instant(oldest)}.");
        // The disable and its audit entry commit together; the conditional update makes one node (and one call) the winner.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await db.WebhookRegistrations
            .Where(r => r.Id == endpointId && r.Enabled)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Enabled, false)
                .SetProperty(r => r.DisabledReason, reason)
                .SetProperty(r => r.DisabledAt, now)
                .SetProperty(r => r.UpdatedAt, now), ct);
        if (changed == 1)
        {
            var companyId = await db.WebhookRegistrations.Where(r => r.Id == endpointId).Select(r => r.CompanyId).FirstAsync(ct);
            WebhookAudit.AutoDisabled(db, endpointId, companyId, now, reason);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        if (changed == 0) return null;
        // ExecuteUpdate bypasses RegistrationChangeInterceptor: tell this node's directory and the other nodes here.
        changes.Forget([endpointId]);
        await changes.NotifyCommittedAsync(db, [endpointId], async: true, ct);
        LogDisabled(endpointId, rule.FailedDeliveries);
        return await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == endpointId, ct);
    }

    /// <summary>
    /// Re-enabling (by a user) clears the reason and starts the failure run afresh, so the failures that led to the
    /// disable do not disable it again at the next one.
    /// </summary>
    public static async Task ReEnableAsync(TechLinkDbContext db, WebhookRegistration r, CancellationToken ct)
    {
        r.DisabledReason = null;
        r.DisabledAt = null;
        var health = await db.EndpointHealth.FirstOrDefaultAsync(h => h.EndpointId == r.Id, ct);
        if (health is not null)
        {
            health.ConsecutiveFailedDeliveries = 0;
            health.FailingSince = null;
        }
    }

    [LoggerMessage(EventId = Infrastructure.LogEventIds.WebhookAutoDisabled, Level = LogLevel.Warning, Message = "Webhook registration {WebhookId} disabled automatically: its last {Count} deliveries failed")]
    private partial void LogDisabled(long webhookId, int count);
}
