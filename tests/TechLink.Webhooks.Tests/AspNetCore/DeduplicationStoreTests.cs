using Microsoft.Extensions.Time.Testing;

namespace TechLink.Webhooks.Tests.AspNetCore;

public sealed class DeduplicationStoreTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Claim_FirstThenInProgressThenProcessed()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);

        Assert.Equal(DeduplicationState.New, await store.TryClaimAsync("a", Lease, default));
        Assert.Equal(DeduplicationState.InProgress, await store.TryClaimAsync("a", Lease, default));
        await store.CompleteAsync("a", TimeSpan.FromHours(1), default);
        Assert.Equal(DeduplicationState.Processed, await store.TryClaimAsync("a", Lease, default));
        Assert.Equal(DeduplicationState.New, await store.TryClaimAsync("b", Lease, default));
    }

    [Fact]
    public async Task Processed_ForgottenAfterWindow()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);
        await store.TryClaimAsync("a", Lease, default);
        await store.CompleteAsync("a", TimeSpan.FromHours(1), default);

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(DeduplicationState.Processed, await store.TryClaimAsync("a", Lease, default));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(DeduplicationState.New, await store.TryClaimAsync("a", Lease, default));
    }

    [Fact]
    public async Task Released_CanBeClaimedAgain()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);
        await store.TryClaimAsync("a", Lease, default);
        await store.ReleaseAsync("a", default);

        Assert.Equal(DeduplicationState.New, await store.TryClaimAsync("a", Lease, default));
    }

    [Fact]
    public async Task AbandonedClaim_FreedAfterLease()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);
        await store.TryClaimAsync("a", Lease, default);

        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(DeduplicationState.New, await store.TryClaimAsync("a", Lease, default));
    }

    [Fact]
    public async Task ExpiredEntries_Swept()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);
        for (var i = 0; i < 100; i++)
        {
            await store.TryClaimAsync("id" + i, Lease, default);
            await store.CompleteAsync("id" + i, TimeSpan.FromMinutes(10), default);
        }

        _clock.Advance(TimeSpan.FromMinutes(11));
        await store.TryClaimAsync("new", Lease, default);

        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task ConcurrentClaims_ExactlyOneWins()
    {
        var store = new InMemoryWebhookDeduplicationStore(_clock);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await store.TryClaimAsync("x", Lease, default))));

        Assert.Single(results, r => r == DeduplicationState.New);
    }
}
