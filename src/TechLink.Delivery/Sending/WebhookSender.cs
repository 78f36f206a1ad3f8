using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TechLink.Delivery.Model;
using TechLink.Delivery.Network;
using TechLink.Delivery.Signing;

namespace TechLink.Delivery.Sending;

/// <summary>
/// Sends one signed webhook POST and reports what happened. Used by the dispatcher for every attempt and by the
/// host's "test" button. Connections go only to addresses and ports the <see cref="NetworkGuard"/> accepts, checked on
/// the address the socket actually connects to; no proxy, no redirects, one timeout over the whole attempt. The answer
/// of a receiver that is reachable only because an allowed network contains it is withheld: its status is kept, its
/// body and reason phrase are not (unless <see cref="DeliveryOptions.ShowPrivateAnswers"/>).
/// </summary>
public sealed partial class WebhookSender : IDisposable
{
    public const string MaskedToken = "********";

    private const int MaxReasonLength = 100;

    public static readonly string UserAgent = "TechLink-Webhooks/" + (typeof(WebhookSender).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly HttpClient _client;
    private readonly SocketsHttpHandler _handler;
    private readonly NetworkGuard _guard;
    private readonly IDnsResolver _resolver;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly ILogger<WebhookSender> _logger;

    /// <summary>
    /// Host and port of every connection made to an address allowed only by configuration. A pooled connection cannot
    /// be told apart from the answer it carries, so the verdict is per authority and sticky: it is set before such a
    /// connection carries its first request, hence before any of its answers is read (DNS that rebinds between a
    /// public and a private address only withholds more).
    /// </summary>
    private readonly ConcurrentDictionary<string, bool> _privateAuthorities = new(StringComparer.OrdinalIgnoreCase);

    public WebhookSender(IOptions<DeliveryOptions> options, NetworkGuard guard, IDnsResolver resolver, TimeProvider time, ILogger<WebhookSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _guard = guard;
        _resolver = resolver;
        _time = time;
        _logger = logger;
        _handler = new SocketsHttpHandler
        {
            // A proxy would make ConnectCallback connect to the proxy, not the receiver; HTTP(S)_PROXY must not matter.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            // No per-host cap here: endpoints sharing a host (one SaaS, several paths) must not queue behind a hung one;
            // the dispatcher already bounds concurrency globally and per endpoint.
            MaxResponseHeadersLength = 64,
            // Only the excerpt is read; the rest of a body is drained for connection reuse up to this much, then the
            // connection is dropped (the default, 1 MB per attempt, is a lot to read from a receiver that never stops).
            MaxResponseDrainSize = 64 * 1024,
            ConnectCallback = ConnectAsync,
            // The sender sets traceparent itself, to the attempt span's (DeliveryTracing); the handler's own propagation
            // would replace it with that of the HTTP client span beneath.
            ActivityHeadersPropagator = null,
        };
        _client = new HttpClient(_handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>Only for tests: proves the handler ignores the environment's proxy settings.</summary>
    internal SocketsHttpHandler Handler => _handler;

    public const string SequenceHeader = "techlink-sequence";

    public Task<AttemptOutcome> SendAsync(EndpointTarget target, string webhookId, string payload, CancellationToken cancellationToken) =>
        SendAsync(target, webhookId, payload, sequence: null, cancellationToken);

    /// <summary>
    /// Sends with <c>techlink-sequence: <paramref name="sequence"/></c> when given, and the current activity's W3C
    /// <c>traceparent</c> (the attempt span, see <see cref="DeliveryTracing"/>) when there is one.
    /// </summary>
    public async Task<AttemptOutcome> SendAsync(EndpointTarget target, string webhookId, string payload, long? sequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(webhookId);
        ArgumentNullException.ThrowIfNull(payload);
        var started = _time.GetUtcNow();
        var startTicks = _time.GetTimestamp();
        var body = Encoding.UTF8.GetBytes(payload);
        var timestamp = started.ToUnixTimeSeconds();
        var signature = WebhookSigner.Sign(webhookId, timestamp, body, target.SigningSecrets);
        var recorded = LoggedHeaders.Request(target, webhookId, timestamp, signature, sequence);

        AttemptOutcome Fail(FailureKind kind, string error, int? status = null, string? excerpt = null, TimeSpan? retryAfter = null, bool withheld = false, string? answered = null) => new()
        {
            StartedAt = started.UtcDateTime,
            Duration = _time.GetElapsedTime(startTicks),
            Failure = kind,
            Error = error,
            CallerError = kind is FailureKind.Timeout or FailureKind.ConnectionRefused or FailureKind.Connection ? NoAnswer : error,
            StatusCode = status,
            ResponseExcerpt = excerpt,
            AnswerWithheld = withheld,
            RequestHeaders = recorded,
            ResponseHeaders = answered,
            RetryAfter = retryAfter,
        };

        var invalid = UrlPolicy.Validate(target.Url, _guard);
        if (invalid is not null)
        {
            var byGuard = invalid.StartsWith("address", StringComparison.Ordinal) || invalid.StartsWith("port", StringComparison.Ordinal);
            return Fail(byGuard ? FailureKind.NetworkGuard : FailureKind.InvalidUrl, invalid);
        }

        // HTTP/1.1 only, stated rather than defaulted: HTTP/3 (QUIC) would not pass through ConnectCallback, so an
        // Alt-Svc answer must never be able to move an attempt onto an unguarded transport.
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (target.Token is not null) request.Headers.TryAddWithoutValidation("X-Token", target.Token);
        request.Headers.TryAddWithoutValidation("webhook-id", webhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signature);
        if (sequence is { } number) request.Headers.TryAddWithoutValidation(SequenceHeader, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } span)
        {
            request.Headers.TryAddWithoutValidation("traceparent", span.Id);
            if (span.TraceStateString is { Length: > 0 } state) request.Headers.TryAddWithoutValidation("tracestate", state);
        }

        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            var withheld = !_options.ShowPrivateAnswers && IsPrivateTarget(target.Url);
            // A withheld body is not read at all; disposing the answer drains it (up to MaxResponseDrainSize) for reuse.
            var excerpt = withheld ? null : await ReadExcerptAsync(response, linked.Token, cancellationToken);
            var answered = withheld ? null : LoggedHeaders.Response(response);
            if (status is >= 200 and < 300)
            {
                return new AttemptOutcome
                {
                    StartedAt = started.UtcDateTime,
                    Duration = _time.GetElapsedTime(startTicks),
                    StatusCode = status,
                    ResponseExcerpt = excerpt,
                    AnswerWithheld = withheld,
                    RequestHeaders = recorded,
                    ResponseHeaders = answered,
                };
            }

            if (status is >= 300 and < 400) return Fail(FailureKind.Redirect, $"redirect ({status}) not followed", status, excerpt, withheld: withheld, answered: answered);
            var retryAfter = status is 429 or 503 ? RetryAfter(response, started) : null;
            var reason = withheld ? null : Shorten(response.ReasonPhrase);
            return Fail(FailureKind.HttpStatus, $"HTTP {status} {reason}".TrimEnd(), status, excerpt, retryAfter, withheld, answered);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The attempt's deadline, or the handler's connect timeout (the same length, so either may fire first).
            return Fail(FailureKind.Timeout, $"timed out after {FormatSeconds(_options.Timeout)}");
        }
        catch (HttpRequestException ex)
        {
            var (kind, error) = Classify(ex, target.Url);
            return Fail(kind, error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnexpectedSendError(ex.GetType().Name);
            return Fail(FailureKind.Other, ex.Message);
        }
    }

    /// <summary>
    /// What a test send tells its caller when no answer came: refused, unreachable, reset and timed out are one
    /// category, so that the test button cannot tell a closed port from a filtered or a silent one (a port scanner).
    /// </summary>
    private string NoAnswer => $"could not connect, or no complete answer within {FormatSeconds(_options.Timeout)}";

    private static string Authority(string host, int port) => $"{host.Trim('[', ']')}:{port}";

    private bool IsPrivateTarget(Uri url) =>
        _privateAuthorities.ContainsKey(Authority(url.IdnHost, url.Port))
        || (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal) && _guard.IsAllowedOnlyByConfiguration(literal));

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        if (_guard.CheckPort(endpoint.Port) is { } portRefusal) throw new NetworkGuardException(portRefusal);
        var host = endpoint.Host.Trim('[', ']');
        IPAddress[] addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);

        string? refusal = null;
        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            var reason = _guard.Check(address);
            if (reason is not null)
            {
                refusal ??= reason;
                continue;
            }

            // An IPv4-mapped answer was judged by its IPv4 address; connect to exactly that (an IPv6-only socket could not).
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (!NetworkGuard.IsPublic(target)) _privateAuthorities.TryAdd(Authority(endpoint.Host, endpoint.Port), true);
#pragma warning disable CA2000 // Disposed on every failure below; on success the NetworkStream owns it (ownsSocket: true).
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
#pragma warning restore CA2000
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (lastError is not null) throw lastError;
        throw new NetworkGuardException(refusal ?? $"host {host} has no acceptable address");
    }

    private static (FailureKind Kind, string Error) Classify(HttpRequestException ex, Uri url)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case NetworkGuardException guard:
                    return (FailureKind.NetworkGuard, guard.Message);
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return (FailureKind.ConnectionRefused, "connection refused");
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return (FailureKind.Dns, $"host {url.Host} could not be resolved");
                case SocketException { SocketErrorCode: SocketError.NetworkUnreachable or SocketError.HostUnreachable } socket:
                    return (FailureKind.Connection, socket.SocketErrorCode == SocketError.NetworkUnreachable ? "network unreachable" : "host unreachable");
                case SocketException { SocketErrorCode: SocketError.ConnectionReset }:
                    return (FailureKind.Connection, "connection reset");
                case AuthenticationException auth:
                    return (FailureKind.Tls, "TLS handshake failed: " + auth.Message);
            }
        }

        return ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => (FailureKind.Dns, $"host {url.Host} could not be resolved"),
            HttpRequestError.SecureConnectionError => (FailureKind.Tls, "TLS handshake failed"),
            HttpRequestError.ConnectionError => (FailureKind.Connection, "connection failed"),
            HttpRequestError.ResponseEnded => (FailureKind.Connection, "connection closed before a complete answer"),
            HttpRequestError.InvalidResponse => (FailureKind.Other, "invalid HTTP answer"),
            HttpRequestError.ConfigurationLimitExceeded => (FailureKind.Other, "answer headers too large"),
            _ => (FailureKind.Other, ex.Message),
        };
    }

    /// <summary>
    /// Reads at most <c>MaxResponseExcerptBytes</c> of the body, within what is left of the attempt's deadline. The
    /// status line has already decided the outcome, so a body that trickles past the deadline or breaks off keeps
    /// what arrived rather than turning the answer into a timeout.
    /// </summary>
    private async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken attemptToken, CancellationToken callerToken)
    {
        var max = _options.MaxResponseExcerptBytes;
        if (max == 0) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(max);
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(attemptToken);
            while (read < max)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, max - read), attemptToken);
                if (n == 0) break;
                read += n;
            }
        }
        catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
        {
            // Deadline reached while the body trickled in.
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The body broke off.
        }

        try
        {
            return Excerpt(buffer.AsSpan(0, read), max);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Decodes the first bytes of an answer as UTF-8 so the stored text is itself at most <paramref name="maxBytes"/>
    /// bytes of UTF-8: a character cut in half at the end is dropped (not turned into U+FFFD), and where invalid
    /// bytes widen into U+FFFD the text is cut back to the budget.
    /// </summary>
    internal static string Excerpt(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        var end = bytes.Length;
        var lead = end - 1;
        while (lead >= 0 && end - lead < 4 && (bytes[lead] & 0xC0) == 0x80) lead--;
        if (lead >= 0)
        {
            var length = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1;
            if (end - lead < length) end = lead;
        }

        var text = Encoding.UTF8.GetString(bytes[..end]);
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var budget = maxBytes;
        var chars = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            budget -= rune.Utf8SequenceLength;
            if (budget < 0) break;
            chars += rune.Utf16SequenceLength;
        }

        return text[..chars];
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset started)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - started;
        return null;
    }


    /// <summary>A receiver's reason phrase may be as long as the header limit; the delivery log needs only its start.</summary>
    private static string? Shorten(string? reason) => reason is { Length: > MaxReasonLength } ? reason[..MaxReasonLength] + "…" : reason;

    internal static string FormatSeconds(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.TotalSeconds % 1 == 0 ? $"{span.TotalSeconds:0} s" : $"{span.TotalMilliseconds:0} ms";

    [LoggerMessage(EventId = LogEventIds.UnexpectedSendError, Level = LogLevel.Warning, Message = "Unexpected {ExceptionType} while sending a webhook")]
    private partial void LogUnexpectedSendError(string exceptionType);

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }
}

/// <summary>Thrown inside the connect step when no resolved address may be reached.</summary>
public sealed class NetworkGuardException(string message) : IOException(message);
