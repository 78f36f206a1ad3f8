using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace TechLink.Webhooks.Tests.AspNetCore;

public sealed class EndpointTests : IAsyncLifetime
{
    private const string Token = "tok-123";
    private readonly string _secret = WebhookSecret.Generate();
    private readonly ConcurrentQueue<TechLinkEvent> _handled = new();
    private readonly ConcurrentQueue<TechLinkEvent> _handledByClass = new();
    private readonly HttpClient _http = new();
    private KestrelHost _host = null!;
    private int _failuresLeft;

    public async Task InitializeAsync()
    {
        _host = await KestrelHost.StartAsync(
            services => services.AddTechLinkWebhooks(o => o.Token = Token)
                .AddHandler<TechLinkEvent>(e =>
                {
                    if (Interlocked.Decrement(ref _failuresLeft) >= 0) throw new InvalidOperationException("handler down");
                    _handled.Enqueue(e);
                    return Task.CompletedTask;
                })
                .AddHandler<WorkOrderStatusChanged, StatusHandler>()
                .Services.AddSingleton(_handledByClass),
            app => app.MapTechLinkWebhooks("/webhooks/techlink", o => o.Secret = _secret));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Post_SignedWithToken_200AndTypedHandlersRun()
    {
        using var response = await PostAsync(TechLinkSamples.For("work order status change"), "msg_a");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var e = Assert.IsType<WorkOrderStatusChanged>(Assert.Single(_handled));
        Assert.Equal(WorkOrderStatus.TechOnSite, e.NewStatusValue);
        Assert.Same(e, Assert.Single(_handledByClass));
    }

    [Fact]
    public async Task Post_EveryEventType_200()
    {
        var i = 0;
        foreach (var (type, body) in TechLinkSamples.All)
        {
            using var response = await PostAsync(body, "msg_all_" + i++);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(TechLinkEventTypes.All, _handled.Select(e => e.Event));
        Assert.Single(_handledByClass);
    }

    [Fact]
    public async Task Post_UnknownEventType_200AsUnknownEvent()
    {
        using var response = await PostAsync("""{"event":"work order invoice paid","workorder_id":"9"}""", "msg_u");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("work order invoice paid", Assert.IsType<UnknownEvent>(Assert.Single(_handled)).EventType);
    }

    [Fact]
    public async Task Post_SameWebhookIdTwice_HandlersRunOnceBoth200()
    {
        var body = TechLinkSamples.For("work order closed");

        using var first = await PostAsync(body, "msg_dup");
        using var second = await PostAsync(body, "msg_dup");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("duplicate", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(_handled);
    }

    [Fact]
    public async Task Post_HandlerThrows_500ThenRetrySucceeds()
    {
        _failuresLeft = 1;
        var body = TechLinkSamples.For("work order note added");

        using var first = await PostAsync(body, "msg_retry");
        using var retry = await PostAsync(body, "msg_retry");

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Single(_handled);
    }

    [Fact]
    public async Task Post_WrongSecret_401()
    {
        using var response = await PostAsync(TechLinkSamples.For("site created"), "msg_w", secret: WebhookSecret.Generate());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task Post_WrongToken_401()
    {
        using var response = await PostAsync(TechLinkSamples.For("site created"), "msg_t", token: "nope");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task Post_Unsigned_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.BaseUrl, "webhooks/techlink"))
        {
            Content = new StringContent(TechLinkSamples.For("site created"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Token", Token);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_OldTimestamp_401()
    {
        using var response = await PostAsync(TechLinkSamples.For("site created"), "msg_old", timestamp: DateTimeOffset.UtcNow.AddMinutes(-10));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"no_event\":true}")]
    [InlineData("{\"event\":\"site created\"}")]
    public async Task Post_SignedButUnparseable_400(string body)
    {
        using var response = await PostAsync(body, "msg_bad");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task Post_Unparseable_DoesNotPoisonTheWebhookId()
    {
        using var bad = await PostAsync("garbage", "msg_same");
        using var good = await PostAsync(TechLinkSamples.For("work order closed"), "msg_same");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Single(_handled);
    }

    [Fact]
    public async Task Post_AppWithFallbackAuthorizationPolicy_StillReachesEndpoint()
    {
        await using var host = await KestrelHost.StartAsync(
            services =>
            {
                services.AddAuthorization(o => o.FallbackPolicy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
                services.AddTechLinkWebhooks(o => o.Secret = _secret).AddHandler<TechLinkEvent>(e =>
                {
                    _handled.Enqueue(e);
                    return Task.CompletedTask;
                });
            },
            app =>
            {
                app.UseAuthorization();
                app.MapTechLinkWebhooks("/h");
            });
        var body = TechLinkSamples.For("work order closed");
        var ts = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseUrl, "h")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", "msg_auth");
        request.Headers.Add("webhook-timestamp", ts.ToUnixTimeSeconds().ToString());
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(_secret, "msg_auth", ts, body));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_handled);
    }

    [Fact]
    public async Task UseDeduplicationStore_CustomStoreIsConsulted()
    {
        var store = new RecordingStore();
        await using var host = await KestrelHost.StartAsync(
            services => services.AddSingleton(store).AddTechLinkWebhooks(o => o.Secret = _secret)
                .AddHandler<TechLinkEvent>(_ => Task.CompletedTask)
                .UseDeduplicationStore<RecordingStore>(),
            app => app.MapTechLinkWebhooks("/h"));
        var body = TechLinkSamples.For("work order cancelled");
        var ts = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseUrl, "h")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", "msg_custom");
        request.Headers.Add("webhook-timestamp", ts.ToUnixTimeSeconds().ToString());
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(_secret, "msg_custom", ts, body));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["claim msg_custom", "complete msg_custom"], store.Calls);
    }

    [Fact]
    public async Task Map_WithoutAddTechLinkWebhooks_Throws()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            KestrelHost.StartAsync(_ => { }, app => app.MapTechLinkWebhooks("/h", o => o.Secret = _secret)));
        Assert.Contains("AddTechLinkWebhooks", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_WithoutTokenOrSecret_Throws()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            KestrelHost.StartAsync(s => s.AddTechLinkWebhooks(), app => app.MapTechLinkWebhooks("/h")));
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string id, string? secret = null, string? token = Token, DateTimeOffset? timestamp = null)
    {
        var ts = timestamp ?? DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.BaseUrl, "webhooks/techlink"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null) request.Headers.Add("X-Token", token);
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", ts.ToUnixTimeSeconds().ToString());
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret ?? _secret, id, ts, body));
        return await _http.SendAsync(request);
    }

    private sealed class RecordingStore : IWebhookDeduplicationStore
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public ValueTask<DeduplicationState> TryClaimAsync(string webhookId, TimeSpan leaseFor, CancellationToken cancellationToken)
        {
            Calls.Enqueue("claim " + webhookId);
            return ValueTask.FromResult(DeduplicationState.New);
        }

        public ValueTask CompleteAsync(string webhookId, TimeSpan rememberFor, CancellationToken cancellationToken)
        {
            Calls.Enqueue("complete " + webhookId);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReleaseAsync(string webhookId, CancellationToken cancellationToken)
        {
            Calls.Enqueue("release " + webhookId);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class StatusHandler(ConcurrentQueue<TechLinkEvent> seen) : ITechLinkWebhookHandler<WorkOrderStatusChanged>
    {
        public Task HandleAsync(WorkOrderStatusChanged webhookEvent, WebhookContext context, CancellationToken cancellationToken)
        {
            Assert.NotNull(context.WebhookId);
            Assert.NotNull(context.Timestamp);
            seen.Enqueue(webhookEvent);
            return Task.CompletedTask;
        }
    }
}
