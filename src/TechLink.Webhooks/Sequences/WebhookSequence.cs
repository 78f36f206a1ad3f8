using System.Globalization;

namespace TechLink.Webhooks;

/// <summary>
/// The <c>techlink-sequence</c> header: a delivery's position, from 1, among the events of one subject (a work order, a
/// site or an account) queued for one registration, in commit order. A redelivery keeps its number.
/// </summary>
public static class WebhookSequence
{
    /// <summary><c>techlink-sequence</c></summary>
    public const string Header = "techlink-sequence";

    /// <summary>Reads the header's value (null: absent, or not a positive whole number).</summary>
    public static long? Parse(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;

    /// <summary>
    /// The subject an event's number counts within, as the tracker's key: <c>workorder:&lt;id&gt;</c>, <c>site:&lt;id&gt;</c>
    /// or <c>user:&lt;id&gt;</c> (null for an event without one, e.g. <see cref="UnknownEvent"/>).
    /// </summary>
    public static string? SubjectOf(TechLinkEvent webhookEvent) => webhookEvent switch
    {
        WorkOrderEvent w => "workorder:" + w.WorkOrderId,
        SiteCreated s => "site:" + s.Data.SiteId,
        SiteUpdated s => "site:" + s.Data.SiteId,
        AccountCreated a => "user:" + a.Data.UserId,
        AccountUpdated a => "user:" + a.Data.UserId,
        _ => null,
    };
}
