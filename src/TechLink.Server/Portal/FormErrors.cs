using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal;

/// <summary>The messages of a form: a summary line and errors next to each field.</summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, string[]> _errors = [];

    public string? Summary { get; private set; }

    public bool Any => Summary is not null || _errors.Count > 0;

    public IReadOnlyList<string> For(string field) => _errors.TryGetValue(field, out var e) ? e : [];

    internal void Add(Refusal refusal)
    {
        foreach (var (key, value) in refusal.Errors) _errors[key] = PlainWords.Rewrite(key, value);
        Summary = refusal.Detail ?? (refusal.Errors.Count > 0 ? "Please correct the fields marked below." : "The change was refused.");
    }

    public void Fail(string message) => Summary = message;
}
