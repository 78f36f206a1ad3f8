using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Webhooks;

namespace TechLink.Bench;

/// <summary>The API path (issue 18, row 3): notes through the real server's REST API against a bare minimal-API app.</summary>
internal sealed partial class Scenarios
{
    // 8. api: notes through the REST API of the real server (child process), delivery running.
    public async Task<ApiRun> ApiAsync(string dataPath, TimeSpan duration)
    {
        var staffKey = "tlk_bench_" + Guid.NewGuid().ToString("N");
        await using var child = await ChildServer.StartAsync(new Storage(dataPath, null), "all", staffKey);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(child.BaseUrl + "/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", staffKey);
        var companyId = await PostForIdAsync(http, "companies", new { name = "Bench API" }, "company_id");
        var siteId = await PostForIdAsync(http, "sites", new
        {
            company_id = companyId, name = "Bench site", site_number = "B-1", address1 = "1 Main St", address2 = "", city = "Portland", state = "OR",
            postal_code = "97201", country = "US", phone = "555-0100", contact_name = "Bench", timezone = "America/Los_Angeles",
        }, "site_id");
        var workOrderId = await PostForIdAsync(http, "workorders", new { site_id = siteId, client_reference = "B-1", title = "Bench", description = "Bench", priority = "normal" }, "workorder_id");
        await PostForIdAsync(http, "webhooks", new { company_id = companyId, type = EventCatalog.Any, url = receiver.Ok(0) }, "webhook_id");

        // Receipts of earlier rows would satisfy the warm-up's wait at once (and its late deliveries count in the measured part).
        await receiver.ResetAsync();
        var (accepted, rejected, seconds, start) = await NotesLoopAsync(http, $"workorders/{workOrderId}/notes", duration, async warm =>
        {
            // Every warm-up note delivered before the measured part starts.
            await receiver.WaitForAsync(warm, Patience);
            await receiver.ResetAsync();
        });
        var s = await receiver.WaitForAsync(accepted, TimeSpan.FromSeconds(60));
        await receiver.ResetAsync();
        return new ApiRun(accepted, rejected, seconds, s.Count, Seconds(s.LastTimestamp - start), s.Duplicates);
    }

    /// <summary>The baseline: the same client loop against <see cref="BareApi"/> (its own process, one EF Core insert into SQLite).</summary>
    public async Task<ApiRun> BareApiAsync(string dataPath, TimeSpan duration)
    {
        await using var bare = await BareApiProcess.StartAsync(dataPath);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(bare.BaseUrl + "/") };
        var (accepted, rejected, seconds, _) = await NotesLoopAsync(http, "workorders/123456/notes", duration, _ => Task.CompletedTask);
        return new ApiRun(accepted, rejected, seconds, 0, 0, 0);
    }

    private const int WarmUpNotes = 100;

    /// <summary>
    /// <see cref="WarmUpNotes"/> notes and then notes for 3 s (the JIT's tiering, as every other scenario), then
    /// <paramref name="duration"/> of notes from <c>concurrency</c> clients, each posting its next note when the last is answered.
    /// </summary>
    private async Task<(long Accepted, long Rejected, double Seconds, long Start)> NotesLoopAsync(HttpClient http, string path, TimeSpan duration, Func<long, Task> afterWarmUp)
    {
        var note = JsonContent.Create(new { content = Payloads.Event(0).Content });
        await note.LoadIntoBufferAsync();
        var body = await note.ReadAsByteArrayAsync();
        async Task<bool> PostNoteAsync()
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(path, content);
            return response.IsSuccessStatusCode;
        }

        async Task<(long, long, double, long)> RunAsync(TimeSpan length)
        {
            long accepted = 0, rejected = 0;
            var start = Stopwatch.GetTimestamp();
            var until = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    if (await PostNoteAsync()) Interlocked.Increment(ref accepted);
                    else Interlocked.Increment(ref rejected);
                }
            })));
            return (accepted, rejected, Seconds(Stopwatch.GetTimestamp() - start), start);
        }

        for (var i = 0; i < WarmUpNotes; i++)
        {
            if (!await PostNoteAsync()) throw new InvalidOperationException($"POST {path} failed during the warm-up");
        }

        var (warm, _, _, _) = await RunAsync(WarmUp);
        await afterWarmUp(WarmUpNotes + warm);
        return await RunAsync(duration);
    }

    private static async Task<string> PostForIdAsync(HttpClient http, string path, object body, string idName)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty(idName).GetString()!;
    }
}
