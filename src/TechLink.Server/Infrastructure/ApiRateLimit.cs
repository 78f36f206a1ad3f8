using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// Requests per API key per minute on <c>/api/v1</c> (<see cref="RateLimitOptions.ApiPerKeyPerMinute"/>), with ASP.NET
/// Core's rate limiter: a fixed one-minute window per partition. The partition is the API key; a portal user's
/// requests count as that user's, and requests without a principal (refused keys) count per client address, so
/// guessing keys is limited too. Test and check sends keep their own, lower limit per company (<see cref="TestSendLimiter"/>).
/// </summary>
internal static class ApiRateLimit
{
    public const string Policy = "api-per-key";

    public static IServiceCollection AddTechLinkApiRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Policy, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.ApiPerKeyPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(PartitionOf(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                var answer = new TooManyRequestsResult(wait, $"Too many requests for this API key; try again in {RateLimiting.Seconds(wait)} s.");
                return new ValueTask(answer.ExecuteAsync(context.HttpContext));
            };
        });
        return services;
    }

    /// <summary><c>apikey:4</c>, <c>user:12</c>, or <c>ip:203.0.113.9</c> for a request without a principal.</summary>
    internal static string PartitionOf(HttpContext http)
    {
        var id = http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (http.User.Identity?.IsAuthenticated == true && !string.IsNullOrEmpty(id))
        {
            return id.StartsWith("apikey:", StringComparison.Ordinal) ? id : "user:" + id;
        }

        return "ip:" + (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString();
    }
}
