using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Providers.Sqlite;

/// <summary>
/// A batch of rows as one JSON parameter for SQLite's <c>json_each</c>: one statement per batch instead of one per row.
/// Timestamps are written the way Microsoft.Data.Sqlite binds a <see cref="DateTime"/> (and EF Core stores it), so
/// they compare as text with every other timestamp in the table.
/// </summary>
internal static class SqliteJson
{
    private const string TimestampFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    public static string Results(IReadOnlyList<DeliveryResult> results) => Write(writer =>
    {
        foreach (var r in results)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", r.Claim.Id);
            writer.WriteNumber("expected", r.Claim.AttemptCount);
            writer.WriteNumber("status", (int)r.Status);
            writer.WriteNumber("count", r.AttemptCount);
            writer.WriteString("next", Timestamp(r.NextAttemptAt));
            if (r.CompletedAt is { } completed) writer.WriteString("completed", Timestamp(completed));
            else writer.WriteNull("completed");
            writer.WriteBoolean("set_error", r.WritesError);
            writer.WriteString("error", r.LastError);
            writer.WriteBoolean("attempted", r.Attempt is not null);
            if (r.Attempt?.StatusCode is { } code) writer.WriteNumber("status_code", code);
            else writer.WriteNull("status_code");
            writer.WriteEndObject();
        }
    });

    public static string Attempts(IReadOnlyList<DeliveryAttempt> attempts) => Write(writer =>
    {
        foreach (var a in attempts)
        {
            writer.WriteStartObject();
            writer.WriteNumber("delivery", a.DeliveryId);
            writer.WriteNumber("attempt", a.Attempt);
            writer.WriteString("started", Timestamp(a.StartedAt));
            if (a.StatusCode is { } status) writer.WriteNumber("status", status);
            else writer.WriteNull("status");
            writer.WriteNumber("duration", a.DurationMs);
            writer.WriteString("error", a.Error);
            writer.WriteString("excerpt", a.ResponseExcerpt);
            writer.WriteString("headers", a.RequestHeaders);
            writer.WriteString("answer_headers", a.ResponseHeaders);
            writer.WriteEndObject();
        }
    });

    public static string Timestamp(DateTime value) => value.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static string Write(Action<Utf8JsonWriter> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        // Any text as it is (SQLite reads \uXXXX escapes back); the default encoder would refuse nothing but escape more.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            rows(writer);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
