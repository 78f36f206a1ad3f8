using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace TechLink.Server.Infrastructure;

/// <summary>Settings of the rate limits, section <c>TechLink:RateLimit</c>.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "TechLink:RateLimit";

    /// <summary>
    /// Test sends one company may start per minute: a burst of this many, then one more every 60/N seconds. A test
    /// send is an outbound connection to a URL of the caller's choosing, so it is limited far below other requests.
    /// </summary>
    [Range(1, 10_000)]
    public int TestSendsPerMinute { get; set; } = 10;

    /// <summary>Requests one API key (or portal user, or address without a valid key) may make per minute on <c>/api/v1</c>.</summary>
    [Range(1, 1_000_000)]
    public int ApiPerKeyPerMinute { get; set; } = 6000;
}

/// <summary>
/// The platform's rate limits, set up in one place with the limiters of <c>System.Threading.RateLimiting</c> (part of
/// the ASP.NET Core shared framework). Limits that depend on what a handler finds (whose registration a test send is
/// for) are acquired by the handler, so the portal, which calls the same handlers, is limited the same way; a limit
/// over whole requests would be added here as middleware.
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddTechLinkRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TestSendLimiter>();
        services.AddTechLinkApiRateLimit();
        return services;
    }

    /// <summary>Whole seconds to wait, at least one: what <c>Retry-After</c> says and messages quote.</summary>
    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}

/// <summary>
/// Sends a caller asks for now rather than events causing them (the test button, and the readiness check that sends
/// samples the same way), counted per company: whoever asks (the company's keys and users, staff) draws on the
/// company's allowance, so making more keys gains nothing and one company never uses up another's.
/// </summary>
public sealed class TestSendLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<long> _perCompany;

    public TestSendLimiter(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perMinute = options.Value.TestSendsPerMinute;
        _perCompany = PartitionedRateLimiter.Create<long, long>(company => RateLimitPartition.GetTokenBucketLimiter(company, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Null when the company may send now, else how long until it may (Retry-After).</summary>
    public TimeSpan? TryAcquire(long companyId)
    {
        using var lease = _perCompany.AttemptAcquire(companyId);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
    }

    public void Dispose() => _perCompany.Dispose();
}

/// <summary>
/// 429 problem details with <c>Retry-After</c>. The header is written when the answer is, so a portal page that called
/// the handler shows the message (<see cref="Problem"/>) and sends no header of its own.
/// </summary>
public sealed class TooManyRequestsResult(TimeSpan retryAfter, string detail) : IResult, IStatusCodeHttpResult
{
    public int RetryAfterSeconds { get; } = RateLimiting.Seconds(retryAfter);

    public ProblemHttpResult Problem { get; } = TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests", detail: detail);

    public int? StatusCode => StatusCodes.Status429TooManyRequests;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problem.ExecuteAsync(httpContext);
    }
}
