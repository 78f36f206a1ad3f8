using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Companies;

/// <summary>The company's audit trail: who changed registrations, secrets, keys, users and sites, newest first.</summary>
public sealed class ActivityModel(TechLinkDbContext db, AuditService audit) : CompanyPage(db)
{
    public override string Tab => "activity";

    public const int PageSize = 50;

    public IReadOnlyList<AuditEntryResponse> Items { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public string? Cursor { get; private set; }

    public async Task OnGetAsync(string? cursor, CancellationToken ct)
    {
        Cursor = Blank(cursor);
        var outcome = await audit.ListAsync(Caller, CompanyKey, null, PageSize, Cursor, ct);
        if (!Accepted(outcome)) return;
        var page = outcome.Value;
        (Items, NextCursor) = (page.Items, page.NextCursor);
    }

    /// <summary>"url: a → b; token: (set)" for the table; the JSON itself is in the API.</summary>
    public static string Describe(AuditEntryResponse entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Changes is not { ValueKind: System.Text.Json.JsonValueKind.Object } changes) return "";
        return string.Join("; ", changes.EnumerateObject().Select(f => $"{f.Name}: {Value(f.Value, "from")} → {Value(f.Value, "to")}"));
    }

    private static string Value(System.Text.Json.JsonElement change, string side) =>
        change.TryGetProperty(side, out var v) ? v.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Null => "–",
            System.Text.Json.JsonValueKind.String => v.GetString() is { Length: > 0 } s ? s : "\"\"",
            _ => v.GetRawText(),
        } : "–";
}
