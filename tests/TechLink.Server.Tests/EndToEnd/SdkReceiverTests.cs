using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Webhooks;
using WorkOrderStatus = TechLink.Webhooks.WorkOrderStatus;

namespace TechLink.Server.Tests.EndToEnd;

/// <summary>
/// The whole path a client sees: the real server delivers every event type to a receiver built with our SDK's
/// one-call endpoint, which verifies token and signature, parses, and hands each to a typed handler.
/// </summary>
public sealed class SdkReceiverTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    [Fact]
    public async Task EveryEventType_DeliveredToSdkEndpoint_ArrivesVerifiedAsItsTypedEvent()
    {
        var tenant = await App.NewTenantAsync();
        var received = new ConcurrentQueue<TechLinkEvent>();
        var arrived = new SemaphoreSlim(0);

        // Register first with a placeholder, so the receiver can be configured with the real secret.
        var registration = await tenant.Client.PostJsonAsync("/api/v1/webhooks",
            new { type = "(any webhooks)", url = "http://127.0.0.1:9/placeholder", token = "sdk-token-123", enabled = false }, HttpStatusCode.Created);
        var secret = registration.Str("signing_secret");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        builder.Services.AddTechLinkWebhooks().AddHandler<TechLinkEvent>(e =>
        {
            received.Enqueue(e);
            arrived.Release();
            return Task.CompletedTask;
        });
        await using var receiver = builder.Build();
        receiver.MapTechLinkWebhooks("/techlink", o =>
        {
            o.Secret = secret;
            o.Token = "sdk-token-123";
        });
        await receiver.StartAsync();
        var url = receiver.Urls.First().TrimEnd('/') + "/techlink";
        await tenant.Client.PatchJsonAsync($"/api/v1/webhooks/{registration.Str("webhook_id")}", new { url, enabled = true }, HttpStatusCode.OK);

        var expected = await EventScript.RunAllAsync(tenant);
        Assert.Equal(TechLinkEventTypes.All.Count, expected.Distinct().Count());

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Count < expected.Count)
        {
            await arrived.WaitAsync(deadline.Token);
        }

        var events = received.ToList();
        Assert.Equal(expected.Order(), events.Select(e => e.Event).Order());
        Assert.DoesNotContain(events, e => e is UnknownEvent);
        // Each spec name maps to its own typed record, and a work order event knows its work order.
        Assert.Equal(TechLinkEventTypes.Definitions.Count, events.Select(e => e.GetType()).Distinct().Count());
        Assert.All(events.OfType<WorkOrderEvent>(), e => Assert.Matches("^[0-9]+$", e.WorkOrderId));
        var status = Assert.Single(events.OfType<WorkOrderStatusChanged>(), e => e.NewStatusCode == "100");
        Assert.Equal(WorkOrderStatus.Closed, status.NewStatusValue);
    }
}
