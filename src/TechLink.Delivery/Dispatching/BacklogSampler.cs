using Microsoft.Extensions.Logging;

namespace TechLink.Delivery.Dispatching;

/// <summary>Every <see cref="DeliveryOptions.MetricsInterval"/>, reads the backlog's depth and oldest due row into the metrics; a failure is logged and tried again next time.</summary>
internal sealed class BacklogSampler(IDeliveryStore store, DeliveryMetrics metrics, DeliveryOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (count, oldest) = await store.BacklogAsync(cancellationToken);
                metrics.SetBacklog(count, oldest);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.BacklogSampleFailed(ex);
            }

            try
            {
                await Task.Delay(options.MetricsInterval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
