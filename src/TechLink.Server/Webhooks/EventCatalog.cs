using TechLink.Webhooks;

namespace TechLink.Server.Webhooks;

/// <summary>An event type as the server lists it; <paramref name="SampleJson"/> is required, so no entry lacks a sample.</summary>
public sealed record EventTypeInfo(string Type, string Description, string SampleJson);

/// <summary>Every event type of the spec, with its words and sample, and the two special registration types.</summary>
public static class EventCatalog
{
    public const string AllCurrent = "(all current webhooks)";
    public const string Any = "(any webhooks)";
    public const string Wildcard = WebhookRegistration.AnyEventType;

    // The event types themselves are the SDK's records (TechLink.Webhooks.TechLinkEventTypes.Definitions): name,
    // description and sample each written once, there.
    private static readonly List<EventTypeInfo> Types =
        [.. TechLinkEventTypes.Definitions.Select(d => new EventTypeInfo(d.Name, d.Description, d.SampleJson))];

    /// <summary>The event types that exist now. Tests may add one to prove that (all current webhooks) froze its list.</summary>
    public static IReadOnlyList<EventTypeInfo> All
    {
        get
        {
            lock (Types)
            {
                return [.. Types];
            }
        }
    }

    public static bool IsEventType(string type) => Find(type) is not null;

    public static EventTypeInfo? Find(string type) => All.FirstOrDefault(t => t.Type == type);

    public static bool IsRegistrationType(string type) => type is AllCurrent or Any || IsEventType(type);

    /// <summary>The frozen list a registration of this type receives.</summary>
    public static IReadOnlyList<string> EventTypesFor(string registrationType) => registrationType switch
    {
        AllCurrent => [.. All.Select(t => t.Type)],
        Any => [Wildcard],
        _ => [registrationType],
    };

    internal static IDisposable AddForTest(EventTypeInfo type)
    {
        lock (Types)
        {
            Types.Add(type);
        }

        return new Removal(type);
    }

    private sealed class Removal(EventTypeInfo type) : IDisposable
    {
        public void Dispose()
        {
            lock (Types)
            {
                Types.Remove(type);
            }
        }
    }
}
