using System.Globalization;

namespace TechLink.Server.Infrastructure;

/// <summary>A page of a list: <c>{"items": [...], "next_cursor": "..." | null}</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Keyset paging over ascending ids: the cursor is the last id seen, opaque to clients.</summary>
internal readonly record struct PageRequest(int Limit, long After)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The page asked for, or the 400 naming the parameter at fault.</summary>
    public static Outcome<PageRequest> Parse(int? limit, string? cursor)
    {
        var l = limit ?? DefaultLimit;
        if (l is < 1 or > MaxLimit)
        {
            return Refusal.Validation("limit", $"'limit' must be between 1 and {MaxLimit}.");
        }

        long after = 0;
        if (!string.IsNullOrEmpty(cursor) && !TryDecode(cursor, out after))
        {
            return Refusal.Validation("cursor", "'cursor' is not a cursor this API handed out.");
        }

        return new PageRequest(l, after);
    }

    public Page<TOut> Build<TIn, TOut>(IReadOnlyList<TIn> fetched, Func<TIn, long> id, Func<TIn, TOut> map)
    {
        var more = fetched.Count > Limit;
        var items = more ? fetched.Take(Limit).ToList() : fetched;
        return new Page<TOut>([.. items.Select(map)], more ? Encode(id(items[^1])) : null);
    }

    public static string Encode(long id) => "c" + id.ToString(CultureInfo.InvariantCulture);

    private static bool TryDecode(string cursor, out long id)
    {
        id = 0;
        return cursor.StartsWith('c') && long.TryParse(cursor.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out id) && id >= 0;
    }
}
