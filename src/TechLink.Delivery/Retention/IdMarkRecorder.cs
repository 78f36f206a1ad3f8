using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Retention;

/// <summary>
/// Records an <see cref="IdMark"/> at start-up and then every <see cref="IdMarks.Interval"/>, beside the retention
/// sweeper (which deletes the marks recorded before the one that gives its earliest cutoff's floor). Several nodes may
/// record: every mark holds. A failed mark is logged and the next one tried on time; until one is recorded, the log's
/// and replays' floors are less tight and retention deletes nothing above the last mark's ids.
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodically.RunAsync(RecordAsync, IdMarks.Interval, _time, ex => _logger.IdMarkFailed(ex, IdMarks.Interval), stoppingToken);

    private async Task RecordAsync(CancellationToken cancellationToken)
    {
        await using var db = _createDb();
        await IdMarks.RecordAsync(db, _time, cancellationToken);
    }
}
