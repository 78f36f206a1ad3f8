namespace TechLink.Server.Infrastructure;

/// <summary>A request body that went past the size the action allows; thrown by <see cref="LimitedBody"/>.</summary>
internal sealed class RequestBodyTooLargeException(long limit) : IOException($"The request body is larger than {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Reads a request body and throws <see cref="RequestBodyTooLargeException"/> once more than <c>limit</c> bytes came,
/// whether or not the client sent a Content-Length (a chunked upload is cut off at the same size). Callers catch the
/// type, never parse a framework's message text.
/// </summary>
internal sealed class LimitedBody(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (_read > limit) throw new RequestBodyTooLargeException(limit);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
