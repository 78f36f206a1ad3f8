using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TechLink.Webhooks;

/// <summary>The wire format: snake_case names, unknown fields ignored, ids tolerated as numbers.</summary>
internal static class TechLinkJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = { new LenientStringConverter() },
    };

    /// <summary>
    /// The wire format for reading an event as a <see cref="TechLinkEvent"/>: System.Text.Json polymorphism on the
    /// <c>event</c> field, its derived types built from <see cref="TechLinkEventTypes.Definitions"/> (so a new record needs no
    /// attribute naming it a second time). The records' own <c>event</c> property is the discriminator here, not a member.
    /// </summary>
    public static JsonSerializerOptions EventOptions { get; } = new(Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { EventPolymorphism } },
#if NET9_0_OR_GREATER
        AllowOutOfOrderMetadataProperties = true,
#endif
    };

    /// <summary>Reads a body whose <c>event</c> is one of <see cref="TechLinkEventTypes.Definitions"/>.</summary>
    public static TechLinkEvent? Deserialize(JsonElement body)
    {
#if NET9_0_OR_GREATER
        return body.Deserialize<TechLinkEvent>(EventOptions);
#else
        // Before .NET 9 the discriminator must come first; a sender may put it anywhere, so pick the type by hand.
        var type = TechLinkEventTypes.Find(body.GetProperty("event").GetString()!)!.ClrType;
        return (TechLinkEvent?)body.Deserialize(type, EventOptions);
#endif
    }

    private static void EventPolymorphism(JsonTypeInfo info)
    {
        if (info.Type == typeof(TechLinkEvent))
        {
            info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "event" };
            foreach (var definition in TechLinkEventTypes.Definitions)
            {
                info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(definition.ClrType, definition.Name));
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Object && typeof(TechLinkEvent).IsAssignableFrom(info.Type))
        {
            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "event") info.Properties.RemoveAt(i);
            }
        }
    }

    /// <summary>Ids are strings of digits on the wire, but a sender that writes <c>123456</c> must not break a receiver.</summary>
    private sealed class LenientStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => null,
            _ => throw new JsonException($"Expected a string, found {reader.TokenType}."),
        };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
