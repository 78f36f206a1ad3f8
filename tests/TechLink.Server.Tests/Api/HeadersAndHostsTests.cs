using System.Net;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// Issue 16, point 7, what a server in Production answers: stored files are downloads unless they are images a browser
/// shows safely, nothing is sniffed, and a forged <c>Host</c> never reaches a signed URL or a stored event payload.
/// </summary>
public abstract class HeadersAndHostsTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private const string PublicBaseUrl = "https://portal.techlink.example/";
    private static readonly byte[] Html = "<html><script>alert(document.cookie)</script></html>"u8.ToArray();

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["TechLink:Environment"] = "Production",
        ["TechLink:PublicBaseUrl"] = PublicBaseUrl,
    };

    [Fact]
    public async Task StoredFiles_AreDownloadsUnlessAllowedImages_AndNeverSniffed()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var photo = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "rack.png")).ReadAsync(HttpStatusCode.Created);
        var heic = await (await tenant.UploadAsync(tenant.Staff, $"/api/v1/workorders/{wo}/photos", Html, "image/heic", "x.heic")).ReadAsync(HttpStatusCode.Created);
        var text = await (await tenant.UploadAsync(tenant.Client, $"/api/v1/workorders/{wo}/client-documents", Html, "text/plain", "notes.html")).ReadAsync(HttpStatusCode.Created);
        var pdf = await (await tenant.UploadAsync(tenant.Client, $"/api/v1/workorders/{wo}/client-documents", Html, "application/pdf", "quote.pdf")).ReadAsync(HttpStatusCode.Created);

        var cases = new (string What, HttpClient Client, string Path, bool Inline)[]
        {
            ("png photo, raw", tenant.Client, $"/api/v1/workorders/{wo}/photos/{photo.Str("photo_id")}/raw", true),
            ("png photo, signed link", App.Anonymous(), SignedPath(photo), true),
            ("heic photo (no browser shows it), raw", tenant.Client, $"/api/v1/workorders/{wo}/photos/{heic.Str("photo_id")}/raw", false),
            ("text document holding HTML, raw", tenant.Client, $"/api/v1/workorders/{wo}/client-documents/{text.Str("document_id")}/raw", false),
            ("text document holding HTML, signed link", App.Anonymous(), SignedPath(text), false),
            ("pdf document, signed link", App.Anonymous(), SignedPath(pdf), false),
        };
        var wrong = new List<string>();
        foreach (var (what, client, path, inline) in cases)
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var disposition = response.Content.Headers.ContentDisposition;
            if (disposition?.DispositionType != (inline ? "inline" : "attachment")) wrong.Add($"{what}: Content-Disposition {disposition?.ToString() ?? "(none)"}");
            if (!response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) || !nosniff.Contains("nosniff")) wrong.Add($"{what}: no nosniff");
        }

        ReliabilityLog.Record("Hostile review, round two", $"Stored files fetched raw and by signed link: inline only for allowed images, nosniff ({App.Provider})",
            cases.Length, wrong.Count, string.Join("; ", wrong));
        Assert.Empty(wrong);
    }

    [Fact]
    public async Task ForgedHost_InProduction_NeverReachesSignedUrlsOrStoredPayloads()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        using var forged = App.WithKey(TechLinkApp.StaffKey);
        forged.DefaultRequestHeaders.Host = "evil.example";
        forged.DefaultRequestHeaders.Add("X-Forwarded-Host", "evil.example");
        var photo = await (await tenant.UploadAsync(forged, $"/api/v1/workorders/{wo}/photos", Tenant.PngBytes, "image/png", "rack.png")).ReadAsync(HttpStatusCode.Created);
        var listed = (await forged.GetJsonAsync($"/api/v1/workorders/{wo}/photos")).Items().Single();
        var events = await tenant.EventsAsync(since);

        var urls = new[] { photo.Str("url"), listed.Str("url") }
            .Concat(events.Select(e => JsonSerializer.Serialize(e))).ToList();
        Assert.Contains(events, e => e.GetRawText().Contains(PublicBaseUrl + "files/", StringComparison.Ordinal));
        Assert.All(urls, u => Assert.DoesNotContain("evil.example", u, StringComparison.Ordinal));
        Assert.StartsWith(PublicBaseUrl + "files/", photo.Str("url"), StringComparison.Ordinal);
        Assert.StartsWith(PublicBaseUrl + "files/", listed.Str("url"), StringComparison.Ordinal);
    }

    private static string SignedPath(JsonElement file) => new Uri(file.Str("url")).PathAndQuery;
}

public sealed class HeadersAndHostsTestsSqlite(AppFixture fixture) : HeadersAndHostsTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class HeadersAndHostsTestsPostgres(AppFixture fixture, PostgresFixture postgres) : HeadersAndHostsTests(fixture, postgres), IClassFixture<AppFixture>;

/// <summary>Production without <c>TechLink:PublicBaseUrl</c> would take link hosts from requests: it must refuse to start.</summary>
public sealed class PublicBaseUrlStartTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://portal.techlink.example/")]
    public void Start_ProductionWithoutAUsablePublicBaseUrl_RefusesWithAClearMessage(string? publicBaseUrl)
    {
        using var app = new TechLinkApp(Provider.Sqlite, null, new Dictionary<string, string?>
        {
            ["TechLink:Environment"] = "Production",
            ["TechLink:PublicBaseUrl"] = publicBaseUrl,
        });

        var error = Record.Exception(() => app.Server);

        ReliabilityLog.Record("Hostile review, round two", $"Production start without a usable PublicBaseUrl ('{publicBaseUrl}')", 1, error is null ? 1 : 0,
            error?.GetBaseException().Message ?? "started");
        Assert.NotNull(error);
        Assert.Contains("TechLink:PublicBaseUrl", error.GetBaseException().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_SandboxWithoutPublicBaseUrl_Starts()
    {
        using var app = new TechLinkApp(Provider.Sqlite, null);
        Assert.NotNull(app.Server);
    }
}
