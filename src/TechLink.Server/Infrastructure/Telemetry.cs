using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TechLink.Delivery;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// OpenTelemetry: the delivery engine's meter and spans, ASP.NET Core, HttpClient and runtime instrumentation; metrics
/// scraped at <c>GET /metrics</c> (Prometheus text, staff key), and both signals pushed over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the standard <c>OTEL_*</c> variables itself).
/// </summary>
internal static class Telemetry
{
    public const string MetricsPath = "/metrics";
    public const string ServiceName = "techlink-server";

    public static IServiceCollection AddTechLinkTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(DeliveryMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter();
            })
            // Spans are made even without an exporter: the request's context is stored with each event and the attempts
            // link to it and pass it on to the receiver (traceparent), which is useful to a receiver that traces.
            .WithTracing(t =>
            {
                t.AddSource(DeliveryTracing.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(MetricsPath))
                    .AddHttpClientInstrumentation();
                if (otlp) t.AddOtlpExporter();
            });
        return services;
    }

    /// <summary><c>GET /metrics</c> at the root, for staff API keys only (401 without a key, 403 for a client's).</summary>
    public static void MapTechLinkMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Policies.Staff);

    /// <summary>Whether a request authenticates with an API key rather than the portal's cookie.</summary>
    public static bool UsesApiKey(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments(MetricsPath);
}
