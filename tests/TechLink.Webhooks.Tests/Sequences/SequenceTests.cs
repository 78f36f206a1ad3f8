using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;

namespace TechLink.Webhooks.Tests.Sequences;

public sealed class SequenceGapTrackerTests
{
    [Fact]
    public void Observe_InOrder_NoGaps()
    {
        var tracker = new SequenceGapTracker();
        for (var n = 1; n <= 5; n++) Assert.Empty(tracker.Observe("workorder:1", n));
        Assert.Empty(tracker.Missing("workorder:1"));
    }

    [Fact]
    public void Observe_Jump_AnswersTheSkippedNumbersOnce_LateArrivalFillsTheGap()
    {
        var tracker = new SequenceGapTracker();
        tracker.Observe("workorder:1", 1);
        Assert.Equal([2L, 3L], tracker.Observe("workorder:1", 4));
        Assert.Empty(tracker.Observe("workorder:1", 5));
        Assert.Equal([2L, 3L], tracker.Missing("workorder:1"));

        Assert.Empty(tracker.Observe("workorder:1", 3));
        Assert.Equal([2L], tracker.Missing("workorder:1"));
        Assert.Equal(new Dictionary<string, IReadOnlyList<long>> { ["workorder:1"] = [2L] }, tracker.AllMissing());
    }

    [Fact]
    public void Observe_SubjectsAreIndependent_RepeatIsNotAGap()
    {
        var tracker = new SequenceGapTracker();
        tracker.Observe("site:1", 1);
        tracker.Observe("site:1", 1);
        Assert.Equal([1L], tracker.Observe("user:1", 2));
        Assert.Empty(tracker.Missing("site:1"));
        Assert.Equal([1L], tracker.Missing("user:1"));
        tracker.Forget("user:1");
        Assert.Empty(tracker.Missing("user:1"));
    }

    [Fact]
    public void Observe_NotStartingAtOne_FirstNumberIsTheStart()
    {
        var tracker = new SequenceGapTracker(startsAtOne: false);
        Assert.Empty(tracker.Observe("workorder:9", 40));
        Assert.Equal([41L], tracker.Observe("workorder:9", 42));
    }

    [Fact]
    public void Observe_BelowOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceGapTracker().Observe("site:1", 0));

    [Theory]
    [InlineData("7", 7L)]
    [InlineData("0", null)]
    [InlineData("-1", null)]
    [InlineData(" 3", null)]
    [InlineData("x", null)]
    [InlineData(null, null)]
    public void Parse_PositiveWholeNumbersOnly(string? header, long? expected) => Assert.Equal(expected, WebhookSequence.Parse(header));

    [Fact]
    public void SubjectOf_WorkOrderSiteAndAccountEvents()
    {
        Assert.Equal("workorder:123456", WebhookSequence.SubjectOf(TechLinkEvent.Parse(TechLinkSamples.For("work order note added"))));
        var site = (SiteUpdated)TechLinkEvent.Parse(TechLinkSamples.For("site updated"));
        Assert.Equal("site:" + site.Data.SiteId, WebhookSequence.SubjectOf(site));
        var user = (AccountCreated)TechLinkEvent.Parse(TechLinkSamples.For("account created"));
        Assert.Equal("user:" + user.Data.UserId, WebhookSequence.SubjectOf(user));
        Assert.Null(WebhookSequence.SubjectOf(TechLinkEvent.Parse("""{"event":"something new"}""")));
    }
}

/// <summary>The receiving endpoint hands the header's number to handlers as <see cref="WebhookContext.Sequence"/>.</summary>
public sealed class SequenceEndpointTests : IAsyncLifetime
{
    private readonly string _secret = WebhookSecret.Generate();
    private readonly ConcurrentQueue<(string? Subject, long? Sequence)> _seen = new();
    private readonly HttpClient _http = new();
    private KestrelHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelHost.StartAsync(
            services => services.AddTechLinkWebhooks().AddHandler<TechLinkEvent>((e, context, _) =>
            {
                _seen.Enqueue((WebhookSequence.SubjectOf(e), context.Sequence));
                return Task.CompletedTask;
            }),
            app => app.MapTechLinkWebhooks("/hook", o => o.Secret = _secret));

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private async Task PostAsync(string id, string? sequence)
    {
        var body = TechLinkSamples.For("work order note added");
        var ts = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.BaseUrl, "hook")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", ts.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(_secret, id, ts, body));
        if (sequence is not null) request.Headers.Add("techlink-sequence", sequence);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Handler_SeesTheSequenceHeader_OrNullWithout()
    {
        await PostAsync("msg_s1", "12");
        await PostAsync("msg_s2", null);
        Assert.Equal([("workorder:123456", (long?)12L), ("workorder:123456", null)], _seen.ToArray());
    }
}
