using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TechLink.Server.Infrastructure;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Tests.Webhooks;

/// <summary>The payload hook on the engine's hot path: payloads without a file URL pass untouched; a file URL is signed from now.</summary>
public sealed class FileUrlFinisherTests
{
    // Far ahead of the real clock, which Data Protection's own expiry check reads; FileUrlSigner reads this one.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2040, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FileUrlSigner _signer;
    private readonly FileUrlFinisher _finisher;

    public FileUrlFinisherTests()
    {
        _signer = new FileUrlSigner(Options.Create(new TechLinkOptions()), new EphemeralDataProtectionProvider(), _clock);
        _finisher = new FileUrlFinisher(_signer);
    }

    [Fact]
    public void Finish_PayloadWithoutFile_IsTheSameString()
    {
        const string payload = """{"event":"work order note added","workorder_id":"1","data":{"note_id":"2","content":"url_expires_at"}}""";
        Assert.Same(payload, _finisher.Finish(payload));
    }

    [Fact]
    public void Finish_PhotoPayload_SignsANewTokenValidFromNowOnTheStoredBase()
    {
        var (oldToken, _) = _signer.Sign(7);
        var payload = $$$"""{"event":"work order photo added","workorder_id":"1","data":{"photo_id":"7","caption":"<b>","url":"https://files.example/base/files/{{{oldToken}}}","url_expires_at":"2040-01-01T13:00:00Z","created_at":"2040-01-01T12:00:00Z"}}""";
        _clock.Advance(TimeSpan.FromHours(5));

        var finished = JsonDocument.Parse(_finisher.Finish(payload)).RootElement.GetProperty("data");
        var url = finished.GetProperty("url").GetString()!;
        Assert.StartsWith("https://files.example/base/files/", url, StringComparison.Ordinal);
        Assert.Null(_signer.Read(oldToken));
        Assert.Equal(7, _signer.Read(url["https://files.example/base/files/".Length..]));
        Assert.Equal("2040-01-01T18:00:00Z", finished.GetProperty("url_expires_at").GetString());
        Assert.Equal("<b>", finished.GetProperty("caption").GetString());
        Assert.Equal("2040-01-01T12:00:00Z", finished.GetProperty("created_at").GetString());
    }
}
