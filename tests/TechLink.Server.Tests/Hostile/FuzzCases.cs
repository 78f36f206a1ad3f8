using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace TechLink.Server.Tests.Hostile;

/// <summary>What a fuzz case may be answered with (besides the rules every answer keeps).</summary>
public enum Expect
{
    /// <summary>The control: a valid request must succeed, or the mutations of it prove nothing.</summary>
    Success,

    /// <summary>Must be refused with a 4xx; a 400 must name <see cref="FuzzCase.Field"/> in <c>errors</c> when one is set.</summary>
    Rejected,

    /// <summary>May be accepted (the value is ignored or allowed) or refused; a 400 must name the field.</summary>
    RejectedOrAccepted,

    /// <summary>A malformed id in the path is a missing resource: 404.</summary>
    NotFound,
}

/// <summary>One hostile request: its content is built fresh for each send.</summary>
public sealed record FuzzCase(string Name, string Path, Func<HttpContent?> Content, Expect Expect, string? Field = null, bool AsStaff = false)
{
    public override string ToString() => Name;
}

/// <summary>
/// Builds the hostile requests for one route from its table entry, a valid sample body and the seeded ids; the choice
/// among the candidates is made by a generator seeded from the route's name, so every run sends the same requests.
/// </summary>
public static class FuzzCases
{
    public const int MaxPerRoute = 96;
    public const int HugeLength = 1024 * 1024;
    public const int Depth = 10_000;

    private static readonly string Huge = new('x', HugeLength);

    public static IReadOnlyList<FuzzCase> For(ApiRoute route, SeededCompany company, long maxUploadBytes)
    {
        var random = new Random(StableHash(route.ToString()));
        var path = route.Fill(company.IdFor);
        var cases = new List<FuzzCase>();
        switch (route.Body)
        {
            case BodyKind.Json:
                cases.AddRange(JsonBodyCases(route, path, company, random));
                break;
            case BodyKind.Multipart:
                cases.AddRange(UploadCases(route, path, maxUploadBytes));
                break;
            default:
                if (route.Method == "GET") cases.AddRange(QueryCases(route, path));
                break;
        }

        cases.AddRange(PathCases(route, company));
        return Cap(cases, random);
    }

    /// <summary>At most <see cref="MaxPerRoute"/>, keeping the control first and sampling the rest deterministically.</summary>
    private static List<FuzzCase> Cap(List<FuzzCase> cases, Random random)
    {
        if (cases.Count <= MaxPerRoute) return cases;
        var controls = cases.Where(c => c.Expect == Expect.Success).ToList();
        var rest = cases.Where(c => c.Expect != Expect.Success).ToArray();
        random.Shuffle(rest);
        return [.. controls, .. rest.Take(MaxPerRoute - controls.Count)];
    }

    private static IEnumerable<FuzzCase> JsonBodyCases(ApiRoute route, string path, SeededCompany company, Random random)
    {
        var schema = route.BodySchema ?? throw new InvalidOperationException($"{route} takes JSON but the OpenAPI document names no schema for it.");
        Func<string> sample = () => SampleBodies.For(schema, company);
        yield return new FuzzCase("valid sample", path, () => Json(sample()), Expect.Success);

        // Malformed JSON: the body as a whole is at fault, so some field ("body" at least) must be named.
        var malformed = new (string Name, Func<string> Text)[]
        {
            ("truncated", () => { var s = sample(); return s[..(s.Length / 2)]; }),
            ("trailing garbage", () => sample() + " garbage"),
            ("second document", () => sample() + "{}"),
            ("single quotes", () => sample().Replace('"', '\'')),
            ("comment", () => "/* hi */" + sample()),
            ("trailing comma", () => sample().TrimEnd('}') + ",}"),
            ("NaN", () => sample().TrimEnd('}') + ",\"x\":NaN}"),
            ("raw control character", () => "{\"x\":\"a\u0001b\"," + sample()[1..]),
            ("lone surrogate escape", () => LoneSurrogate(sample())),
            ("empty", () => ""),
            ("whitespace", () => "   \n "),
            ("null", () => "null"),
            ("array", () => "[" + sample() + "]"),
            ("string", () => "\"text\""),
            ("number", () => "42"),
        };
        foreach (var (name, text) in malformed)
        {
            // An optional body (the test button, a redelivery) may treat "null"/empty as "no body": accepted or refused, never a 5xx.
            var optional = route.BodySchema is "TestRequest" or "RedeliverRequest" && name is "null" or "empty" or "whitespace";
            yield return new FuzzCase($"malformed JSON: {name}", path, () => Json(text()), optional ? Expect.RejectedOrAccepted : Expect.Rejected, optional ? null : "*");
        }

        // Valid JSON grammar in a property the request does not have: skipped, or refused; never a 5xx.
        yield return new FuzzCase("unknown property with a number out of range", path, () => Json(sample().TrimEnd('}') + ",\"x\":1e99999}"), Expect.RejectedOrAccepted);
        yield return new FuzzCase("invalid UTF-8", path, () => InvalidUtf8(sample()), Expect.Rejected, "*");
        yield return new FuzzCase("UTF-8 BOM", path, () => Bytes([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(sample())], Answers.Json), Expect.RejectedOrAccepted);

        // Wrong types, one property at a time, in an otherwise valid body: that property must be named.
        foreach (var property in route.BodyProperties)
        {
            var wrong = WrongValues(property.Type);
            var value = wrong[random.Next(wrong.Length)];
            yield return new FuzzCase($"wrong type: {property.Name} = {value}", path, () => Json(With(sample(), property.Name, JsonNode.Parse(value))), Expect.Rejected, property.Name);
        }

        // Dates at the edges of what the server can hold, where converting them (the site's offset, the value's own) overflows.
        foreach (var property in route.BodyProperties)
        {
            foreach (var (value, expect) in EdgeDates(property.Name))
            {
                yield return new FuzzCase($"edge date: {property.Name} = {value}", path, () => Json(With(sample(), property.Name, JsonValue.Create(value))), expect, property.Name);
            }
        }

        // Huge strings: refused naming the property, or accepted where the property is ignored (never a 5xx).
        foreach (var property in route.BodyProperties.Where(p => p.Type == "string"))
        {
            yield return new FuzzCase($"1 MB string: {property.Name}", path, () => Json(With(sample(), property.Name, JsonValue.Create(Huge))), Expect.RejectedOrAccepted, property.Name);
        }

        var target = route.BodyProperties.Count > 0 ? route.BodyProperties[random.Next(route.BodyProperties.Count)].Name : "x";
        yield return new FuzzCase($"{Depth:N0} nested arrays in {target}", path, () => Json(WithRaw(sample(), target, Nested("[", "]"))), Expect.Rejected, "*");
        yield return new FuzzCase($"{Depth:N0} nested arrays as the body", path, () => Json(Nested("[", "]")), Expect.Rejected, "*");
        yield return new FuzzCase($"{Depth:N0} nested objects as the body", path, () => Json(NestedObjects()), Expect.Rejected, "*");

        // Wrong content types: the JSON route refuses what is not JSON.
        yield return new FuzzCase("text/plain", path, () => new StringContent(sample(), Encoding.UTF8, "text/plain"), Expect.Rejected);
        yield return new FuzzCase("application/xml", path, () => new StringContent("<request><name>x</name></request>", Encoding.UTF8, "application/xml"), Expect.Rejected);
        yield return new FuzzCase("multipart where JSON is expected", path, () => Multipart(sample()), Expect.Rejected);
        yield return new FuzzCase("form-urlencoded", path, () => new FormUrlEncodedContent([new("name", "x")]), Expect.Rejected);
        yield return new FuzzCase("no Content-Type", path, () => NoContentType(sample()), Expect.Rejected);
        yield return new FuzzCase("charset=utf-16 label on UTF-8 bytes", path, () => Labelled(sample(), "application/json; charset=utf-16"), Expect.RejectedOrAccepted);
        yield return new FuzzCase("application/merge-patch+json", path, () => Labelled(sample(), "application/merge-patch+json"), Expect.RejectedOrAccepted);
        yield return new FuzzCase("50,000 unknown properties", path, () => Json(sample().TrimEnd('}') + string.Concat(Enumerable.Range(0, 50_000).Select(i => $",\"p{i}\":{i}")) + "}"), Expect.RejectedOrAccepted);

        // A staff caller names the company in the body: a company id that is not one is refused naming it.
        if (route.Method == "POST" && !route.StaffOnly && route.BodyProperties.Any(p => p.Name == "company_id"))
        {
            Func<string> staffSample = () => With(sample(), "company_id", JsonValue.Create(company.Tenant.CompanyId));
            yield return new FuzzCase("staff: valid sample with company_id", path, () => Json(staffSample()), Expect.Success, AsStaff: true);
            yield return new FuzzCase("staff: no company_id", path, () => Json(sample()), Expect.Rejected, "company_id", AsStaff: true);
            foreach (var value in new[] { "\"abc\"", "\"-1\"", "\"987654321\"", "12345", $"\"{Huge}\"" })
            {
                var shown = value.Length > 20 ? "1 MB" : value;
                yield return new FuzzCase($"staff: company_id = {shown}", path, () => Json(With(staffSample(), "company_id", JsonNode.Parse(value))), Expect.Rejected, "company_id", AsStaff: true);
            }
        }
    }

    private static IEnumerable<FuzzCase> UploadCases(ApiRoute route, string path, long max)
    {
        var (type, name) = route.Template.Contains("/photos", StringComparison.Ordinal) ? ("image/png", "p.png") : ("application/pdf", "d.pdf");
        yield return new FuzzCase("valid upload", path, () => Upload(Infrastructure.Tenant.PngBytes, type, name), Expect.Success);
        yield return new FuzzCase($"file of {max + 1} bytes (limit {max})", path, () => Upload(new byte[max + 1], type, name), Expect.Rejected);
        yield return new FuzzCase($"file of {max + 200_000} bytes", path, () => Upload(new byte[max + 200_000], type, name), Expect.Rejected);
        yield return new FuzzCase($"file of {max * 8} bytes without Content-Length", path, () => Chunked(Upload(new byte[max * 8], type, name)), Expect.Rejected);
        yield return new FuzzCase("empty file", path, () => Upload([], type, name), Expect.Rejected, "file");
        yield return new FuzzCase("no file part", path, () => FormWithout(), Expect.Rejected, "file");
        yield return new FuzzCase("executable content type", path, () => Upload([0x4D, 0x5A], "application/x-msdownload", "a.exe"), Expect.Rejected);
        yield return new FuzzCase("file part with no content type", path, () => Upload([1, 2, 3], null, name), Expect.Rejected);
        yield return new FuzzCase("caption with control characters", path, () => Upload(Infrastructure.Tenant.PngBytes, type, name, "a\u0001b"), Expect.Rejected, "caption");
        yield return new FuzzCase("1 MB caption", path, () => Upload(Infrastructure.Tenant.PngBytes, type, name, Huge), Expect.Rejected);
        yield return new FuzzCase("file name of 10,000 characters", path, () => Upload(Infrastructure.Tenant.PngBytes, type, new string('n', 10_000) + ".png"), Expect.RejectedOrAccepted);
        yield return new FuzzCase("JSON where multipart is expected", path, () => Json("{\"file\":\"aGVsbG8=\"}"), Expect.Rejected);
        yield return new FuzzCase("text/plain where multipart is expected", path, () => new StringContent("hello", Encoding.UTF8, "text/plain"), Expect.Rejected);
        yield return new FuzzCase("multipart without boundary", path, () => Raw("--x\r\n\r\nhello\r\n--x--\r\n", "multipart/form-data"), Expect.Rejected);
        yield return new FuzzCase("multipart with garbage body", path, () => Raw("this is not multipart at all", "multipart/form-data; boundary=abc"), Expect.Rejected);
        yield return new FuzzCase("multipart truncated", path, () => Raw("--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\u0089PN", "multipart/form-data; boundary=abc"), Expect.Rejected);
    }

    private static IEnumerable<FuzzCase> QueryCases(ApiRoute route, string path)
    {
        foreach (var q in route.QueryParameters)
        {
            var values = q switch
            {
                "limit" => new[] { "-1", "0", "1001", "abc", "99999999999999999999", "1.5", "1&limit=2" },
                "cursor" => ["garbage", "c-1", "c99999999999999999999", "c1.5", Huge[..5000]],
                "status_code" => ["abc", "999", string.Join(',', Enumerable.Repeat("60", 100_000)), Huge],
                "since" or "updated_since" => ["abc", "-5", "2026-13-45T99:00:00Z", Huge],
                _ => ["abc", "-1", "0", "1e3", Huge],
            };
            // limit and cursor are always checked; the filters of a client may be ignored (company_id) or free text (event).
            var expect = q is "limit" or "cursor" ? Expect.Rejected : Expect.RejectedOrAccepted;
            foreach (var value in values)
            {
                var shown = value.Length > 40 ? $"{value[..12]}… ({value.Length:N0} chars)" : value;
                yield return new FuzzCase($"?{q}={shown}", $"{path}?{q}={(value.Contains('&') ? value : Uri.EscapeDataString(value))}", () => null, expect, q, AsStaff: q == "company_id");
            }
        }
    }

    private static IEnumerable<FuzzCase> PathCases(ApiRoute route, SeededCompany company)
    {
        string[] bad = ["abc", "-1", "0", "1.5", "1e3", " 1", "0x1F", new string('9', 400), new string('7', 10_000), "%2e%2e", "１２"];
        foreach (var parameter in route.PathParameters)
        {
            foreach (var value in bad)
            {
                var escaped = value.StartsWith('%') ? value : Uri.EscapeDataString(value);
                // The other parameters keep their real ids; the one under test is a NUL placeholder (escaped by Fill to %00).
                var path = route.Fill((p, template) => p == parameter ? "\0" : company.IdFor(p, template)).Replace("%00", escaped, StringComparison.Ordinal);
                var shown = value.Length > 20 ? $"{value[..6]}… ({value.Length:N0} chars)" : value;
                Func<HttpContent?> content = route.Body switch
                {
                    BodyKind.Json => () => Json(SampleBodies.For(route.BodySchema!, company)),
                    BodyKind.Multipart => () => Upload(Infrastructure.Tenant.PngBytes, "image/png", "p.png"),
                    _ => () => null,
                };
                // "%2e%2e" is ".." once the client normalizes the URI: the request lands on the parent route, which may accept it.
                // Every other malformed id is a missing resource.
                yield return new FuzzCase($"path {{{parameter}}} = {shown}", path, content, value == "%2e%2e" ? Expect.RejectedOrAccepted : Expect.NotFound);
            }
        }
    }

    /// <summary>
    /// The seeded site is in Los Angeles: its "9999-12-31 23:59:59" is after the last instant a date can hold once in UTC,
    /// and "0001-01-01 00:00:00" is in a year a start may not name. An instant with an offset past either end may be
    /// refused or clamped, never a 5xx.
    /// </summary>
    private static (string Value, Expect Expect)[] EdgeDates(string property) => property switch
    {
        "start" => [("9999-12-31 23:59:59", Expect.Rejected), ("0001-01-01 00:00:00", Expect.Rejected)],
        "due" or "since" or "until" => [("9999-12-31T23:59:59-14:00", Expect.RejectedOrAccepted), ("0001-01-01T00:00:00+14:00", Expect.RejectedOrAccepted)],
        _ => [],
    };

    private static string[] WrongValues(string type) => type switch
    {
        "boolean" => ["\"yes\"", "1", "{}", "[true]", "\"\""],
        "integer" or "number" => ["\"ten\"", "true", "{}", "[1]"],
        _ => ["12345", "true", "{\"a\":1}", "[\"x\"]", "1.5e300", "false"],
    };

    private static string With(string json, string property, JsonNode? value)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[property] = value;
        return node.ToJsonString();
    }

    private static string WithRaw(string json, string property, string rawValue)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove(property);
        var text = node.ToJsonString();
        return text.Length <= 2 ? $"{{\"{property}\":{rawValue}}}" : $"{{\"{property}\":{rawValue},{text[1..]}";
    }

    private static string Nested(string open, string close) => string.Concat(Enumerable.Repeat(open, Depth)) + string.Concat(Enumerable.Repeat(close, Depth));

    private static string NestedObjects() => string.Concat(Enumerable.Repeat("{\"a\":", Depth)) + "1" + new string('}', Depth);

    /// <summary>The first string value replaced by an escaped lone surrogate (valid JSON text, invalid UTF-16).</summary>
    private static string LoneSurrogate(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var name = node.FirstOrDefault(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).Key ?? "x";
        node.Remove(name);
        var rest = node.ToJsonString();
        return $"{{\"{name}\":\"ab\\ud800cd\"{(rest.Length > 2 ? "," + rest[1..] : "}")}";
    }

    private static ByteArrayContent InvalidUtf8(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var name = node.FirstOrDefault(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).Key ?? "x";
        node[name] = "@@BAD@@";
        var text = node.ToJsonString();
        var at = text.IndexOf("@@BAD@@", StringComparison.Ordinal);
        byte[] bytes = [.. Encoding.UTF8.GetBytes(text[..at]), 0xC3, 0x28, 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(text[(at + 7)..])];
        return Bytes(bytes, Answers.Json);
    }

    public static HttpContent Json(string text)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = Answers.Json;
        return content;
    }

    private static ByteArrayContent Bytes(byte[] bytes, MediaTypeHeaderValue type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = type;
        return content;
    }

    private static ByteArrayContent Raw(string text, string contentType)
    {
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(text));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static ByteArrayContent Labelled(string text, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static ByteArrayContent NoContentType(string text) => new(Encoding.UTF8.GetBytes(text));

    private static MultipartFormDataContent Multipart(string json)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in JsonNode.Parse(json)!.AsObject()) form.Add(new StringContent(value?.ToString() ?? ""), name);
        return form;
    }

    public static MultipartFormDataContent Upload(byte[] bytes, string? contentType, string fileName, string? caption = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        if (contentType is not null) file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        if (caption is not null) form.Add(new StringContent(caption), "caption");
        return form;
    }

    private static MultipartFormDataContent FormWithout()
    {
        var form = new MultipartFormDataContent { { new StringContent("just a caption"), "caption" } };
        return form;
    }

    /// <summary>The same bytes sent chunked, without a Content-Length, so that the server cannot refuse them up front.</summary>
    public static StreamContent Chunked(HttpContent inner)
    {
        using var bytes = new MemoryStream();
        inner.CopyTo(bytes, null, default);
        var content = new StreamContent(new UnknownLengthStream(bytes.ToArray()));
        content.Headers.ContentType = inner.Headers.ContentType;
        return content;
    }

    /// <summary>A stable 31-bit hash (string.GetHashCode differs between processes).</summary>
    public static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>A readable stream that does not know its length, so <see cref="StreamContent"/> cannot compute one.</summary>
    public sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
