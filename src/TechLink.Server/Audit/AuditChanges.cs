using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Audit;

/// <summary>
/// The changed fields of an audit entry, <c>{"field": {"from": .., "to": ..}}</c>, computed from the API's own answer
/// before and after the change (so names are the wire's snake_case and only what a client may read can appear).
/// Credentials are recorded as changed but never by value: <c>{"from": "(set)", "to": "(set)"}</c>.
/// </summary>
public sealed class AuditChanges
{
    /// <summary>Fields that move on every change and say nothing about it.</summary>
    private static readonly HashSet<string> Ignored = ["updated_at", "created_at"];

    /// <summary>Fields whose values are credentials (even masked, a token's tail is part of it).</summary>
    private static readonly HashSet<string> Hidden = ["token", "signing_secret", "password", "secret", "key"];

    private const string Set = "(set)";

    private readonly JsonObject _fields = [];

    public bool IsEmpty => _fields.Count == 0;

    public IEnumerable<string> Fields => _fields.Select(f => f.Key);

    /// <summary>The top-level fields of two answers (records of the API) that differ.</summary>
    public static AuditChanges Between<T>(T before, T after)
    {
        var changes = new AuditChanges();
        var from = JsonSerializer.SerializeToNode(before, ApiJson.Options)?.AsObject() ?? [];
        var to = JsonSerializer.SerializeToNode(after, ApiJson.Options)?.AsObject() ?? [];
        foreach (var (name, value) in to)
        {
            if (Ignored.Contains(name)) continue;
            var old = from[name];
            if (JsonNode.DeepEquals(old, value)) continue;
            changes.Add(name, old, value);
        }

        return changes;
    }

    /// <summary>A credential that changed: recorded as set or not, never by value.</summary>
    public AuditChanges Credential(string field, bool wasSet, bool isSet)
    {
        _fields[field] = new JsonObject { ["from"] = wasSet ? Set : null, ["to"] = isSet ? Set : null };
        return this;
    }

    public AuditChanges Without(string field)
    {
        _fields.Remove(field);
        return this;
    }

    private void Add(string name, JsonNode? from, JsonNode? to)
    {
        if (Hidden.Contains(name))
        {
            Credential(name, from is not null, to is not null);
            return;
        }

        _fields[name] = new JsonObject { ["from"] = from?.DeepClone(), ["to"] = to?.DeepClone() };
    }

    public string ToJson() => _fields.ToJsonString();
}
