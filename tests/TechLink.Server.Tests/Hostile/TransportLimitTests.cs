using System.Net;
using System.Text;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// What the in-memory test server cannot show: bodies beyond Kestrel's own limit (30 MB) and uploads beyond ours, sent
/// to the real server process over a socket, with and without Content-Length. Each is a 413 problem and writes nothing.
/// </summary>
public sealed class TransportLimitTests : IAsyncLifetime
{
    private const int HugeBody = 40 * 1024 * 1024;

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-transport-" + Guid.NewGuid().ToString("N")[..8]);
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(Provider.Sqlite, _dataPath, null);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task OversizedBodies_RealKestrel_Answer413ProblemAndWriteNothing()
    {
        var staff = _server.Client(ServerSettings.StaffKey);
        var company = await staff.PostJsonAsync("/api/v1/companies", new { name = "Transport" }, HttpStatusCode.Created);
        var companyId = company.Str("company_id");
        var key = (await staff.PostJsonAsync($"/api/v1/companies/{companyId}/api-keys", new { name = "t" }, HttpStatusCode.Created)).Str("key");
        var client = _server.Client(key);
        var site = await client.PostJsonAsync("/api/v1/sites", new { name = "S", timezone = "UTC" }, HttpStatusCode.Created);
        var wo = (await client.PostJsonAsync("/api/v1/workorders", new { site_id = site.Str("site_id"), title = "T" }, HttpStatusCode.Created)).Str("workorder_id");
        var eventsBefore = (await client.GetJsonAsync("/api/v1/events?limit=1000")).Items().Count;

        var json = Encoding.UTF8.GetBytes("{\"name\":\"" + new string('x', HugeBody) + "\",\"timezone\":\"UTC\"}");
        var (small, smallType) = Form(new byte[4096 * 16]);
        var (large, largeType) = Form(json);
        var uploads = $"/api/v1/workorders/{wo}/client-documents";
        var cases = new (string Name, string Path, byte[] Body, string Type, bool Chunked)[]
        {
            ("40 MB JSON with Content-Length", "/api/v1/sites", json, "application/json", false),
            ("40 MB JSON chunked", "/api/v1/sites", json, "application/json", true),
            ("64 KB upload (limit 4 KB) with Content-Length", uploads, small, smallType, false),
            ("64 KB upload chunked", uploads, small, smallType, true),
            ("40 MB upload with Content-Length", uploads, large, largeType, false),
            ("40 MB upload chunked", uploads, large, largeType, true),
        };

        var failures = new List<string>();
        foreach (var (name, path, body, type, chunked) in cases)
        {
            var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key, ["Content-Type"] = type };
            var answer = await RawHttp.SendAsync(_server.BaseUrl, "POST", path, headers, body, chunked);
            if (answer.Status != 413) failures.Add($"{name}: expected 413, got {answer.Status}: {Answers.Cut(answer.Body)}");
            if (answer.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true) failures.Add($"{name}: Content-Type '{answer.ContentType}'");
            if (!answer.Body.Contains("\"status\":413", StringComparison.Ordinal)) failures.Add($"{name}: not a 413 problem: {Answers.Cut(answer.Body)}");
        }

        Assert.Single((await client.GetJsonAsync("/api/v1/sites")).Items());
        Assert.Empty((await client.GetJsonAsync($"/api/v1/workorders/{wo}/client-documents")).Items());
        Assert.Equal(eventsBefore, (await client.GetJsonAsync("/api/v1/events?limit=1000")).Items().Count);
        var stored = Path.Combine(_dataPath, "files");
        Assert.Equal(0, Directory.Exists(stored) ? Directory.EnumerateFiles(stored, "*", SearchOption.AllDirectories).Count() : 0);

        ReliabilityLog.Record("Fuzz", "oversized JSON bodies and uploads through real Kestrel, with and without Content-Length (SQLite)", cases.Length, failures.Count,
            "40 MB JSON (Kestrel limit 30 MB) and uploads of 16× and 10,000× the 4 KB limit: 413 problem details; no row, event or stored file");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static (byte[] Body, string ContentType) Form(byte[] file)
    {
        using var form = FuzzCases.Upload(file, "text/plain", "big.txt");
        using var bytes = new MemoryStream();
        form.CopyTo(bytes, null, default);
        return (bytes.ToArray(), form.Headers.ContentType!.ToString());
    }
}
