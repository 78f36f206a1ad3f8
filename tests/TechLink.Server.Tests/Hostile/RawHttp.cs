using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TechLink.Server.Tests.Hostile;

/// <summary>The answer as read off the socket.</summary>
public sealed record RawAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.TryGetValue("content-type", out var v) ? v : null;
}

/// <summary>
/// One HTTP/1.1 request over a plain socket, writing the body while reading the answer. HttpClient gives up with a
/// broken pipe when a server answers 413 and closes before the body is sent; a hostile client does not care, and the
/// test wants the answer the server gave.
/// </summary>
public static class RawHttp
{
    public static async Task<RawAnswer> SendAsync(Uri server, string method, string path, IReadOnlyDictionary<string, string> headers, byte[] body, bool chunked)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n").Append("\r\n");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var writing = WriteAsync(stream, Encoding.ASCII.GetBytes(head.ToString()), body, chunked, cts.Token);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0) received.Write(buffer, 0, read);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer arrived: the answer is what counts.
        }

        cts.Cancel();
        try
        {
            await writing;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server stopped reading, as it should for an oversized body.
        }

        return Parse(received.ToArray());
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] head, byte[] body, bool chunked, CancellationToken ct)
    {
        await stream.WriteAsync(head, ct);
        const int piece = 64 * 1024;
        for (var at = 0; at < body.Length; at += piece)
        {
            var length = Math.Min(piece, body.Length - at);
            if (chunked) await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), ct);
            await stream.WriteAsync(body.AsMemory(at, length), ct);
            if (chunked) await stream.WriteAsync("\r\n"u8.ToArray(), ct);
        }

        if (chunked) await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
    }

    private static RawAnswer Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        // Skip interim answers (100 Continue) to the final one.
        while (text.StartsWith("HTTP/1.1 1", StringComparison.Ordinal) && text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and > 0) text = text[(end + 4)..];
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) throw new InvalidDataException($"no complete answer: {text[..Math.Min(200, text.Length)]}");
        var lines = text[..split].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = text[(split + 4)..];
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase)) body = Dechunk(body);
        return new RawAnswer(status, headers, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (at < body.Length)
        {
            var eol = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (eol < 0) break;
            var size = int.Parse(body.AsSpan(at, eol - at), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0) break;
            result.Append(body, eol + 2, Math.Min(size, body.Length - eol - 2));
            at = eol + 2 + size + 2;
        }

        return result.ToString();
    }
}
