using TechLink.Delivery.Dispatching;

namespace TechLink.Delivery.Tests.Dispatching;

public sealed class DeliverySignalTests
{
    [Fact]
    public void Notify_Endpoints_TakenOnceAsTheirUnion()
    {
        var signal = new DeliverySignal();
        signal.Notify([1, 2]);
        signal.Notify([2, 3]);
        var (endpoints, unknown) = signal.Take();
        Assert.Equal([1, 2, 3], endpoints.Order());
        Assert.False(unknown);
        Assert.Empty(signal.Take().Endpoints);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("12,x")]
    [InlineData("-5")]
    public void NotifyFromPayload_NamesNoneOrGarbage_AsksForADiscovery(string? payload)
    {
        var signal = new DeliverySignal();
        signal.NotifyFromPayload(payload);
        var (endpoints, unknown) = signal.Take();
        Assert.True(unknown);
        Assert.Empty(endpoints);
    }

    [Fact]
    public async Task NotifyFromPayload_EndpointIds_NamedAndWakesTheWaiter()
    {
        var signal = new DeliverySignal();
        var woken = signal.WaitAsync(CancellationToken.None);
        signal.NotifyFromPayload("7, 9");
        await woken.WaitAsync(TimeSpan.FromSeconds(5));
        var (endpoints, unknown) = signal.Take();
        Assert.Equal([7, 9], endpoints.Order());
        Assert.False(unknown);
    }

    [Fact]
    public void Payload_RoundTrips_AndTooManyEndpointsNameNone()
    {
        Assert.Equal("4,5", DeliverySignal.Payload([4, 5]));
        Assert.Equal("", DeliverySignal.Payload([.. Enumerable.Range(1_000_000, 1000).Select(i => (long)i)]));
    }
}
