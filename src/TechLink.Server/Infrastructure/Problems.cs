namespace TechLink.Server.Infrastructure;

/// <summary>Wording shared by refusals (<see cref="Refusal"/> builds the answers themselves).</summary>
internal static class Problems
{
    /// <summary>A rejected value as a message may quote it: at most 64 characters, so a refusal never echoes a megabyte back.</summary>
    public static string Quote(string value) => value.Length > 64 ? value[..64] + "…" : value;
}

/// <summary>Collects field errors (snake_case names, as on the wire) and answers one 400 with all of them.</summary>
internal sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool Failed => _errors.Count > 0;

    public Validator Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public string? Text(string field, string? value, int max, bool required = false)
    {
        if (value is null || (required && string.IsNullOrWhiteSpace(value)))
        {
            if (required) Add(field, $"'{field}' is required.");
            return value;
        }

        if (value.Length > max) Add(field, $"'{field}' must be at most {max} characters.");
        if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t')) Add(field, $"'{field}' contains control characters.");
        return value.Trim();
    }

    public string? OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = false)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return null;
        }

        if (!allowed.Contains(value)) Add(field, $"'{field}' must be one of: {string.Join(", ", allowed)}.");
        return value;
    }

    public long Id(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return 0;
        }

        if (!Formats.TryParseId(value, out var id)) Add(field, $"'{field}' must be an id (a string of digits).");
        return id;
    }

    /// <summary>The one 400 of a service, with every field error collected.</summary>
    public Refusal Refusal() => Infrastructure.Refusal.Validation(Errors);

    public Dictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
