namespace TechLink.Delivery.Retention;

/// <summary>
/// The loop of the engine's periodic background work (<see cref="RetentionSweeper"/>, <see cref="IdMarkRecorder"/>): run
/// once at start-up, then after every interval; a failed run is reported and never stops the next one; stopping ends it.
/// </summary>
internal static class Periodically
{
    public static async Task RunAsync(Func<CancellationToken, Task> work, TimeSpan interval, TimeProvider time, Action<Exception> failed, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await work(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database away, a lock timeout: the next run is on time.
                failed(ex);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
