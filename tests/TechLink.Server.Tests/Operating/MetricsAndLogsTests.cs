using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Operating;

/// <summary>
/// The real server process (Kestrel on loopback): <c>GET /metrics</c> answers Prometheus text to a staff key only, with
/// the delivery metrics after a real delivery; with <c>Logging:Console:FormatterName=json</c>, an attempt's log entries
/// are JSON lines carrying the delivery id, webhook id and trace id as scope fields.
/// </summary>
public sealed class MetricsAndLogsTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-process-tests", Guid.NewGuid().ToString("N")[..12]);
    private LoopbackReceiver _receiver = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        _receiver = await LoopbackReceiver.StartAsync();
        _server = await ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null, settings: new Dictionary<string, string?>
        {
            ["TechLink:Delivery:MetricsInterval"] = "00:00:01",
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
            ["Logging:LogLevel:TechLink.Delivery"] = "Debug",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _receiver.DisposeAsync();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A company with a registration to the receiver, and one delivered event; answers the client key and the webhook-id.</summary>
    private async Task<(string Key, string WebhookId)> DeliverOneAsync()
    {
        var staff = _server.Client(TechLinkApp.StaffKey);
        var company = await staff.PostJsonAsync("/api/v1/companies", new { name = "Metrics Co" }, HttpStatusCode.Created);
        var key = (await staff.PostJsonAsync($"/api/v1/companies/{company.Str("company_id")}/api-keys", new { name = "k" }, HttpStatusCode.Created)).Str("key");
        var client = _server.Client(key);
        await client.PostJsonAsync("/api/v1/webhooks", new { type = "(any webhooks)", url = _receiver.Url("/m").ToString() }, HttpStatusCode.Created);
        await client.PostJsonAsync("/api/v1/sites", new { name = "S", timezone = "America/Los_Angeles" }, HttpStatusCode.Created);
        var received = await _receiver.WaitForAsync(1, Deadline);
        return (key, received[0].Headers["webhook-id"]);
    }

    /// <summary>Parses the exposition format: every sample line as (name, labels, value).</summary>
    private static List<(string Name, string Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#')) continue;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var end = line.LastIndexOf('}');
            // A sample may end with a timestamp: value is then the second-to-last field.
            var fields = line[(end >= 0 ? end + 1 : 0)..].Trim().Split(' ');
            var name = brace >= 0 ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
            var labels = brace >= 0 ? line[(brace + 1)..end] : "";
            var raw = brace >= 0 ? fields[0] : fields[1];
            Assert.True(space > 0, line);
            samples.Add((name, labels, double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private async Task<List<(string Name, string Labels, double Value)>> ScrapeUntilAsync(Func<List<(string Name, string Labels, double Value)>, bool> done)
    {
        var staff = _server.Client(TechLinkApp.StaffKey);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await staff.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            var samples = Parse(await response.Content.ReadAsStringAsync());
            if (done(samples)) return samples;
            if (clock.Elapsed > Deadline) throw new TimeoutException("metrics never showed: " + string.Join(", ", samples.Select(s => s.Name).Distinct()));
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Metrics_AfterADelivery_ShowOutcomesLatencyBacklogAndRequests()
    {
        await DeliverOneAsync();
        var samples = await ScrapeUntilAsync(s =>
            s.Any(x => x.Name == "techlink_delivery_deliveries_total" && x.Labels.Contains("outcome=\"succeeded\"", StringComparison.Ordinal))
            && s.Any(x => x.Name == "techlink_delivery_backlog"));

        Assert.True(samples.Single(x => x.Name == "techlink_delivery_deliveries_total" && x.Labels.Contains("outcome=\"succeeded\"", StringComparison.Ordinal)).Value >= 1);
        Assert.Contains(samples, x => x.Name == "techlink_delivery_attempts_total" && x.Labels.Contains("outcome=\"success\"", StringComparison.Ordinal) && x.Value >= 1);
        var count = samples.Single(x => x.Name == "techlink_delivery_attempt_duration_milliseconds_count" && x.Labels.Contains("outcome=\"success\"", StringComparison.Ordinal));
        Assert.True(count.Value >= 1);
        var sum = samples.Single(x => x.Name == "techlink_delivery_attempt_duration_milliseconds_sum" && x.Labels.Contains("outcome=\"success\"", StringComparison.Ordinal));
        Assert.InRange(sum.Value / count.Value, 0.01, 30_000);
        Assert.Contains(samples, x => x.Name == "techlink_delivery_attempt_duration_milliseconds_bucket" && x.Labels.Contains("le=\"+Inf\"", StringComparison.Ordinal));
        Assert.InRange(samples.First(x => x.Name == "techlink_delivery_backlog").Value, 0, 10);
        Assert.InRange(samples.Single(x => x.Name == "techlink_delivery_oldest_pending_age_seconds").Value, 0, 3600);
        // ASP.NET Core, HttpClient and runtime instrumentation.
        Assert.Contains(samples, x => x.Name == "http_server_request_duration_seconds_count" && x.Labels.Contains("api/v1/sites", StringComparison.Ordinal) && x.Value >= 1);
        Assert.Contains(samples, x => x.Name == "http_client_request_duration_seconds_count" && x.Value >= 1);
        Assert.Contains(samples, x => x.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal) || x.Name.StartsWith("process_runtime_dotnet_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_FailingEndpoint_CountedPerEndpoint_AndEveryMetricOfTheDashboardExists()
    {
        _receiver.Respond = r => Task.FromResult(r.Path == "/fail" ? (500, "down") : (200, "ok"));
        var (key, _) = await DeliverOneAsync();
        var failing = await _server.Client(key).PostJsonAsync("/api/v1/webhooks", new { type = "(any webhooks)", url = _receiver.Url("/fail").ToString() }, HttpStatusCode.Created);
        await _server.Client(key).PostJsonAsync("/api/v1/sites", new { name = "T", timezone = "America/Los_Angeles" }, HttpStatusCode.Created);
        var endpointLabel = $"endpoint=\"{failing.Str("webhook_id")}\"";
        var samples = await ScrapeUntilAsync(s => s.Any(x => x.Name == "techlink_delivery_endpoint_failed_attempts_total" && x.Labels.Contains(endpointLabel, StringComparison.Ordinal))
            && s.Any(x => x.Name == "techlink_delivery_backlog"));
        Assert.Contains(samples, x => x.Name == "techlink_delivery_endpoint_failed_attempts_total" && x.Labels.Contains("outcome=\"HttpStatus\"", StringComparison.Ordinal) && x.Value >= 1);

        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "grafana-dashboard.json"))).RootElement;
        var expressions = dashboard.GetProperty("panels").EnumerateArray().SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        var names = expressions.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, "(techlink|http_server)_[a-z_]+").Select(m => m.Value)).Distinct().ToList();
        Assert.NotEmpty(names);
        var scraped = samples.Select(x => x.Name).ToHashSet();
        Assert.All(names, name => Assert.Contains(name, scraped));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TechLink.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public async Task Metrics_WithoutAKey401_WithAClientKey403()
    {
        var (key, _) = await DeliverOneAsync();
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUrl };
        using (var response = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await _server.Client(key).GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.DoesNotContain("techlink_delivery", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await _server.Client("tlk_not_a_key").GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task JsonLogs_AnAttemptsEntries_CarryDeliveryWebhookAndTraceIdsAsScopeFields()
    {
        var (_, webhookId) = await DeliverOneAsync();
        var traceParent = (await _receiver.WaitForAsync(1, Deadline))[0].Headers["traceparent"];
        var traceId = traceParent.Split('-')[1];
        var clock = Stopwatch.StartNew();
        JsonElement? entry = null;
        while (entry is null)
        {
            foreach (var line in _server.Output.Split('\n'))
            {
                if (!line.TrimStart().StartsWith('{') || !line.Contains(webhookId, StringComparison.Ordinal)) continue;
                var root = JsonDocument.Parse(line).RootElement;
                if (root.GetProperty("EventId").GetInt32() == 1005) entry = root.Clone();
            }

            if (entry is null && clock.Elapsed > Deadline) throw new TimeoutException("no JSON attempt entry: " + _server.Output);
            if (entry is null) await Task.Delay(100);
        }

        var scope = entry.Value.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("WebhookId", out _));
        Assert.Equal(webhookId, scope.GetProperty("WebhookId").GetString());
        Assert.True(scope.GetProperty("DeliveryId").GetInt64() > 0);
        Assert.Equal(traceId, scope.GetProperty("TraceId").GetString());
    }
}
