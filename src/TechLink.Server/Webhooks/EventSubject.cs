using TechLink.Server.Infrastructure;

namespace TechLink.Server.Webhooks;

/// <summary>
/// What an event is about, as stored in <c>OutboxMessage.SubjectKey</c> (<c>workorder:12</c>, <c>site:3</c>, <c>user:7</c>):
/// the unit of the <c>techlink-sequence</c> numbers, and what a <c>current</c> snapshot is rebuilt from.
/// </summary>
public sealed record EventSubject(string Kind, long Id)
{
    public const string WorkOrderKind = "workorder";
    public const string SiteKind = "site";
    public const string UserKind = "user";

    public string Key => $"{Kind}:{Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The event's work order filter tag (<c>OutboxMessage.Subject</c>): the id of a work order subject, else null.</summary>
    public string? WorkOrderId => Kind == WorkOrderKind ? Formats.Id(Id) : null;

    public static EventSubject WorkOrder(long id) => new(WorkOrderKind, id);

    public static EventSubject Site(long id) => new(SiteKind, id);

    public static EventSubject User(long id) => new(UserKind, id);

    /// <summary>Reads a stored key back (null: none, or not one of ours).</summary>
    public static EventSubject? Parse(string? key)
    {
        if (key is null || key.Split(':') is not [var kind, var digits] || !long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) return null;
        return kind is WorkOrderKind or SiteKind or UserKind ? new EventSubject(kind, id) : null;
    }
}
