using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Retention;

/// <summary>
/// Records an <see cref="IdMark"/> at start-up and then every <see cref="IdMarks.Interval"/>, beside the retention
/// sweeper (which deletes the marks older than every row they could bound). Several nodes may record: every mark holds.
/// A failed mark is logged and the next one tried on time; until one is recorded, floors are only less tight.
/// </summary>
public sealed class IdMarkRecorder : BackgroundService
{
    private readonly Func<DbContext> _createDb;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal IdMarkRecorder(Func<DbContext> createDb, TimeProvider time, ILogger<IdMarkRecorder> logger)
    {
        _createDb = createDb;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var db = _createDb();
                await IdMarks.RecordAsync(db, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.IdMarkFailed(ex, IdMarks.Interval);
            }

            try
            {
                await Task.Delay(IdMarks.Interval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
