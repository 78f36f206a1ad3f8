using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Delivery.Sending;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// Photo and document events carry a time-limited <c>url</c>: stored as it was signed when the event was written, it
/// would be dead by a retry an hour later, a redelivery or a feed read. This signs it again, valid for
/// <c>Files:UrlLifetime</c> from now: before each attempt (the engine calls it just before signing the body), and when
/// the feed or the delivery log shows the payload. Only the token changes (the stored URL keeps the base it was given
/// when the event was written), and <c>url_expires_at</c> with it. Any other payload is answered as it is, after one
/// substring search.
/// </summary>
public sealed class FileUrlFinisher(FileUrlSigner signer) : IPayloadFinisher
{
    private const string Marker = "\"url_expires_at\"";

    public string Finish(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!payload.Contains(Marker, StringComparison.Ordinal)) return payload;
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return payload;
        }

        if (root?["data"] is not JsonObject data || !TryGetId(data, out var fileId) || data["url"]?.GetValueKind() != JsonValueKind.String) return payload;
        var url = data["url"]!.GetValue<string>();
        var at = url.LastIndexOf("/" + FileUrlSigner.PathSegment, StringComparison.Ordinal);
        if (at < 0) return payload;
        var (token, expires) = signer.Sign(fileId);
        data["url"] = url[..(at + 1 + FileUrlSigner.PathSegment.Length)] + token;
        data["url_expires_at"] = Formats.Instant(expires);
        return root.ToJsonString(ApiJson.Options);
    }

    private static bool TryGetId(JsonObject data, out long id)
    {
        id = 0;
        var node = data["photo_id"] ?? data["document_id"];
        return node?.GetValueKind() == JsonValueKind.String && Formats.TryParseId(node.GetValue<string>(), out id);
    }
}
