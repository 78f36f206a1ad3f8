using System.Globalization;

namespace TechLink.Webhooks;

/// <summary>The pieces of <see cref="TechLinkEvent.Describe"/>: short, one line, no line breaks.</summary>
internal static class EventText
{
    public static string User(User u) => $"user {u.UserId} {u.Username} <{u.Email}>";

    public static string Site(Site s) => $"site {s.SiteId} \"{s.Name}\" {s.Timezone}";

    public static string WorkOrder(WorkOrder w) => $"\"{Shorten(w.Title)}\" status {w.StatusCode} {w.Status}";

    public static string Document(WorkOrderDocument d) => $"document {d.DocumentId} {d.FileName} ({Size(d.SizeBytes)})";

    public static string Task(WorkOrderTask t) => $"task {t.TaskId} \"{Shorten(t.Title)}\" {t.Status}";

    public static string Size(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    public static string Shorten(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var flat = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 60 ? flat : flat[..57] + "...";
    }
}
