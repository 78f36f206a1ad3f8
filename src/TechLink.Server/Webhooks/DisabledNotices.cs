using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// Emails the notice of a registration disabled automatically to its company's active users with an address (one message
/// each), in the background: <see cref="AutoDisabler"/> queues the registration the moment its conditional update won.
/// A notice that cannot be sent is logged; the registration stays disabled and the portal's banner says why.
/// </summary>
internal sealed partial class DisabledNotices(IDbContextFactory<TechLinkDbContext> contexts, NoticeMailer mailer, ILogger<DisabledNotices> logger) : BackgroundService
{
    private readonly Channel<long> _queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    public void Queue(long webhookId)
    {
        if (mailer.Enabled) _queue.Writer.TryWrite(webhookId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var webhookId in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(webhookId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(ex, webhookId);
            }
        }
    }

    internal async Task SendAsync(long webhookId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var registration = await db.WebhookRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == webhookId, ct);
        if (registration is null) return;
        var company = await db.Companies.AsNoTracking().Where(c => c.Id == registration.CompanyId).Select(c => c.Name).FirstOrDefaultAsync(ct);
        var users = await db.Users.AsNoTracking()
            .Where(u => u.CompanyId == registration.CompanyId && u.IsActive && u.Email != null && u.Email != "")
            .OrderBy(u => u.Id)
            .Select(u => new NoticeRecipient((u.FirstName + " " + u.LastName).Trim(), u.Email!))
            .ToListAsync(ct);
        var subject = $"TechLink: webhook {registration.Id} was disabled";
        var body = $"""
            The webhook registration {registration.Id} of {company} ({registration.Type}, {registration.Url}) was disabled on {Formats.Instant(registration.DisabledAt)}.

            {registration.DisabledReason}

            No more events are sent to it. Once the receiver answers again, re-enable the registration on the portal's
            Webhooks page (or PATCH /api/v1/webhooks/{registration.Id} with {"{"}"enabled": true{"}"}); the delivery log shows each failed attempt.
            """;
        await mailer.SendAsync(users, subject, body, ct);
        LogSent(registration.Id, users.Count);
    }

    [LoggerMessage(EventId = Infrastructure.LogEventIds.WebhookDisabledNoticeSent, Level = LogLevel.Information, Message = "Notice of disabled webhook registration {WebhookId} sent to {Count} user(s)")]
    private partial void LogSent(long webhookId, int count);

    [LoggerMessage(EventId = Infrastructure.LogEventIds.WebhookDisabledNoticeFailed, Level = LogLevel.Error, Message = "Notice of disabled webhook registration {WebhookId} could not be sent")]
    private partial void LogFailed(Exception exception, long webhookId);
}
