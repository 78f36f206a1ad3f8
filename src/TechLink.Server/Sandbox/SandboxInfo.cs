using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TechLink.Data.Sandbox;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Sandbox;

/// <summary>
/// What the sandbox tells its users about its data: the production snapshot time of the last refresh
/// (<c>system_settings.data_as_of</c>, written by <c>techlink sandbox refresh</c>). Read at most every
/// <see cref="CacheFor"/>, because the refresh runs in another process. For the API header and the portal banner.
/// </summary>
public sealed partial class SandboxInfo(
    IDbContextFactory<TechLinkDbContext> contexts, IOptions<TechLinkOptions> options, TimeProvider clock, ILogger<SandboxInfo> logger)
{
    public const string HeaderName = "X-TechLink-Data-As-Of";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private sealed record Cached(DateTime? DataAsOf, DateTimeOffset ReadAt);

    private Cached? _cached;

    public bool IsSandbox => options.Value.Environment == TechLinkEnvironment.Sandbox;

    /// <summary>The snapshot time of the data in this sandbox; null in production and before the first refresh.</summary>
    public async ValueTask<DateTime?> GetDataAsOfAsync(CancellationToken cancellationToken = default)
    {
        if (!IsSandbox) return null;
        var now = clock.GetUtcNow();
        if (_cached is { } c && now - c.ReadAt < CacheFor) return c.DataAsOf;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var text = await db.SystemSettings.AsNoTracking().Where(s => s.Key == SandboxRefresher.DataAsOfKey).Select(s => s.Value).FirstOrDefaultAsync(cancellationToken);
        DateTime? value = Formats.TryParseInstant(text, out var parsed) ? parsed : null;
        _cached = new Cached(value, now);
        return value;
    }

    /// <summary>"2026-11-28T12:00:00Z", or null; the text of the header and of the portal's "data as of".</summary>
    public async ValueTask<string?> GetDataAsOfTextAsync(CancellationToken cancellationToken = default) =>
        Formats.Instant(await GetDataAsOfAsync(cancellationToken));

    /// <summary>Every <c>/api</c> answer of a refreshed sandbox carries <see cref="HeaderName"/>.</summary>
    internal async Task AddHeaderAsync(HttpContext context, Func<Task> next)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            string? text = null;
            try
            {
                text = await GetDataAsOfTextAsync(context.RequestAborted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A header is not worth failing the request for; the request itself will meet the database problem.
                LogReadFailed(logger, ex);
            }

            if (text is not null)
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers[HeaderName] = text;
                    return Task.CompletedTask;
                });
            }
        }

        await next();
    }

    [LoggerMessage(EventId = LogEventIds.SandboxDataAsOfUnreadable, Level = LogLevel.Warning, Message = "Could not read the sandbox's data_as_of")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}

internal static class SandboxSetup
{
    public static IServiceCollection AddTechLinkSandbox(this IServiceCollection services) => services.AddSingleton<SandboxInfo>();

    /// <summary>Sandbox only: the data-as-of header on API answers.</summary>
    public static WebApplication UseSandboxDataAsOf(this WebApplication app)
    {
        var info = app.Services.GetRequiredService<SandboxInfo>();
        if (info.IsSandbox) app.Use((context, next) => info.AddHeaderAsync(context, () => next(context)));
        return app;
    }
}
