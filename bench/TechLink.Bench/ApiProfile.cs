using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TechLink.Server.Webhooks;

namespace TechLink.Bench;

/// <summary>
/// Diagnosis of the API path (<c>--api-profile [N]</c>): the real server in this process (SQLite; Roles=api unless <c>--roles</c> says otherwise), N notes
/// posted one at a time, and for each route the wall time per request, this process's CPU per request and every SQL
/// statement EF Core ran (from its DiagnosticListener: count per request and time). Sequential requests measure the
/// cost of one request without queueing; the statement list says which lookups a request makes.
/// </summary>
internal static class ApiProfile
{
    private sealed class Statements : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public readonly ConcurrentDictionary<string, (long Count, double Ms)> ByText = new();

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == Microsoft.EntityFrameworkCore.DbLoggerCategory.Name) value.Subscribe(this);
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is not CommandExecutedEventData e) return;
            var text = e.Command.CommandText.ReplaceLineEndings(" ");
            text = text.Length > 110 ? text[..110] + "…" : text;
            ByText.AddOrUpdate(text, (1, e.Duration.TotalMilliseconds), (_, v) => (v.Count + 1, v.Ms + e.Duration.TotalMilliseconds));
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    public static async Task<string> RunAsync(string dataPath, ReceiverProcess receiver, int n, string roles)
    {
        var statements = new Statements();
        using var subscription = DiagnosticListener.AllListeners.Subscribe(statements);
        var staffKey = "tlk_bench_" + Guid.NewGuid().ToString("N");
        await using var server = await InProcessServer.StartAsync(new Storage(dataPath, null), roles, staffKey);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", staffKey);
        var workOrder = await ApiSeed.WorkOrderWithWebhookAsync(http, "Profile", receiver.Ok(0));
        var body = new { content = Payloads.Event(0).Content };
        var routes = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("GET /health/live (no authentication)", () => http.GetAsync(server.BaseUrl + "/health/live")),
            ("GET /api/v1/workorders/{id} (key lookup, tenancy read, JSON)", () => http.GetAsync($"workorders/{workOrder}")),
            ("POST /api/v1/workorders/{id}/notes", () => http.PostAsJsonAsync($"workorders/{workOrder}/notes", body)),
        };
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"API path, one request at a time, {n} each after {n} of warm-up, real server in process (SQLite, Roles={roles}):");
        foreach (var (name, call) in routes)
        {
            for (var i = 0; i < n; i++) (await call()).EnsureSuccessStatusCode();
            statements.ByText.Clear();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++) (await call()).EnsureSuccessStatusCode();
            var wall = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
            var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / n;
            // The dispatcher's own statements (claims, results) run meanwhile; those of the request are the ones counted n times or more.
            var jit = (System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMicroseconds / n;
            var methods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
            b.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {wall:0} µs wall, {cpuMicros:0} µs CPU (this process: server, client, dispatcher) per request, of it {jit:0} µs compiling ({methods:N0} methods JIT-compiled during the {n:N0})");
            foreach (var (text, (count, ms)) in statements.ByText.OrderByDescending(kv => kv.Value.Ms))
            {
                b.AppendLine(CultureInfo.InvariantCulture, $"  - {count / (double)n:0.00}× per request, {ms * 1000 / count:0} µs each: `{text}`");
            }
        }

        return b.ToString();
    }
}
