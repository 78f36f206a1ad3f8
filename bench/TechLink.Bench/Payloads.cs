using System.Text.Json;
using TechLink.Server.Infrastructure;

namespace TechLink.Bench;

/// <summary>The event body every scenario sends: the size of a typical "work order note added", with a sequence number to correlate by.</summary>
internal sealed record BenchEvent(string Event, long Seq, string WorkorderId, string Content);

internal static class Payloads
{
    private static readonly string Filler = string.Concat(Enumerable.Repeat("Technician on site, replaced the access point and verified link. ", 6));

    public static BenchEvent Event(long seq) => new("work order note added", seq, "123456", Filler);

    public static string Json(long seq) => JsonSerializer.Serialize(Event(seq), ApiJson.Options);

    public static byte[] Bytes(long seq) => JsonSerializer.SerializeToUtf8Bytes(Event(seq), ApiJson.Options);
}
