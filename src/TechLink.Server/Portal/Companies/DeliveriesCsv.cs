using System.Globalization;
using System.Text;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Portal.Companies;

/// <summary>
/// The delivery log as CSV (RFC 4180: every value quoted, quotes doubled, CRLF rows). A value a spreadsheet would run
/// as a formula (starting with = + - @, or a tab or carriage return) gets a leading apostrophe (OWASP's advice).
/// </summary>
public static class DeliveriesCsv
{
    public static readonly string[] Header =
        ["delivery_id", "created_at", "event", "event_id", "webhook_id", "registration_url", "webhook_message_id", "workorder_id", "status",
         "attempts", "last_status_code", "last_error", "completed_at", "test"];

    public static string Cell(string? value)
    {
        var text = value ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static void AppendRow(StringBuilder csv, IEnumerable<string?> values) =>
        csv.Append(string.Join(',', values.Select(Cell))).Append("\r\n");

    public static void Append(StringBuilder csv, DeliveryResponse d, string? url) => AppendRow(csv,
    [
        d.DeliveryId, d.CreatedAt, d.Event, d.EventId, d.WebhookId, url, d.MessageId, d.WorkorderId, d.Status,
        d.AttemptCount.ToString(CultureInfo.InvariantCulture), d.Attempts.LastOrDefault()?.StatusCode?.ToString(CultureInfo.InvariantCulture),
        d.LastError, d.CompletedAt, d.Test ? "true" : "false",
    ]);
}
