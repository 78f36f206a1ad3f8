using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace TechLink.Server.Webhooks;

/// <summary>One recipient of a notice.</summary>
public sealed record NoticeRecipient(string Name, string Email);

/// <summary>
/// Sends operational notices through SMTP (MailKit): one message per recipient, one connection per notice; STARTTLS
/// when the server offers it unless <see cref="SmtpOptions.RequireTls"/> demands it. Nothing when no host is configured.
/// </summary>
internal sealed class NoticeMailer(IOptions<SmtpOptions> options)
{
    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.Host);

    public async Task SendAsync(IReadOnlyList<NoticeRecipient> recipients, string subject, string body, CancellationToken ct)
    {
        var smtp = options.Value;
        if (string.IsNullOrWhiteSpace(smtp.Host) || recipients.Count == 0) return;
        using var client = new SmtpClient { Timeout = 30_000 };
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable, ct);
        foreach (var recipient in recipients)
        {
            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(smtp.From));
            message.To.Add(new MailboxAddress(recipient.Name, recipient.Email));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = body };
            await client.SendAsync(message, ct);
        }

        await client.DisconnectAsync(quit: true, ct);
    }
}
