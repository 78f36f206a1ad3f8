using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Hostile;

public enum BodyKind
{
    None,
    Json,
    Multipart,
}

/// <summary>A property of a JSON request body, as the OpenAPI document describes it ("string", "boolean", ...).</summary>
public sealed record BodyProperty(string Name, string Type);

/// <summary>One method of one API route, as the running app maps it.</summary>
public sealed record ApiRoute(string Method, string Template, IReadOnlyList<string> PathParameters, bool StaffOnly, BodyKind Body)
{
    /// <summary>The query parameters the OpenAPI document lists for this route.</summary>
    public IReadOnlyList<string> QueryParameters { get; init; } = [];

    /// <summary>The name of the request body's schema (e.g. <c>SiteRequest</c>) for JSON bodies.</summary>
    public string? BodySchema { get; init; }

    public IReadOnlyList<BodyProperty> BodyProperties { get; init; } = [];

    /// <summary>The path with every <c>{parameter}</c> replaced by <paramref name="value"/>(parameter, template).</summary>
    public string Fill(Func<string, string, string> value) =>
        PathParameters.Aggregate(Template, (path, p) => path.Replace("{" + p + "}", Uri.EscapeDataString(value(p, Template)), StringComparison.Ordinal));

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>
/// Every API route of the running app, read from its <see cref="EndpointDataSource"/> (not a hand-written list), with
/// who may call it (the staff policy), whether it reads JSON (its accepts metadata) and, from the app's own OpenAPI
/// document, its query parameters, body properties and multipart uploads. A route added tomorrow is in this table tomorrow.
/// </summary>
public static class ApiRouteTable
{
    /// <summary>Fewer routes than this means the enumeration broke, not that the API shrank.</summary>
    public const int SanityFloor = 55;

    public static async Task<IReadOnlyList<ApiRoute>> LoadAsync(TechLinkApp app)
    {
        _ = app.Server;
        var source = app.Services.GetRequiredService<EndpointDataSource>();
        var openApi = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        var routes = new List<ApiRoute>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var template = Template(endpoint.RoutePattern);
            if (!template.StartsWith("/api/", StringComparison.Ordinal)) continue;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods
                ?? throw new InvalidOperationException($"{template} answers every method; the table expects explicit methods.");
            var staffOnly = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Policies.Staff);
            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [];
            var body = accepts.Contains("application/json") ? BodyKind.Json : BodyKind.None;
            var parameters = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            foreach (var method in methods)
            {
                var route = new ApiRoute(method, template, parameters, staffOnly, body);
                routes.Add(Describe(route, paths, schemas));
            }
        }

        return [.. routes.OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)];
    }

    /// <summary>"/api/v1/workorders/{workorder_id}/notes" from the pattern's segments (no trailing slash, as clients write it).</summary>
    private static string Template(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"unexpected route part {part} in {pattern.RawText}"),
        })));
        return "/" + string.Join('/', segments);
    }

    private static ApiRoute Describe(ApiRoute route, JsonElement paths, JsonElement schemas)
    {
        if (!paths.TryGetProperty(route.Template, out var path) || !path.TryGetProperty(route.Method.ToLowerInvariant(), out var operation))
        {
            throw new InvalidOperationException($"{route} is mapped but missing from /openapi/v1.json.");
        }

        var query = operation.TryGetProperty("parameters", out var ps)
            ? ps.EnumerateArray().Where(p => p.Str("in") == "query").Select(p => p.Str("name")).ToList()
            : [];
        string? schemaName = null;
        var properties = new List<BodyProperty>();
        // Uploads read their form themselves (no accepts metadata); the OpenAPI document describes their multipart body.
        if (route.Body == BodyKind.None && operation.TryGetProperty("requestBody", out var form)
            && form.GetProperty("content").TryGetProperty("multipart/form-data", out _))
        {
            route = route with { Body = BodyKind.Multipart };
        }

        if (route.Body == BodyKind.Json && operation.TryGetProperty("requestBody", out var requestBody)
            && requestBody.GetProperty("content").TryGetProperty("application/json", out var json))
        {
            schemaName = SchemaName(json.GetProperty("schema"));
            if (schemaName is not null && schemas.TryGetProperty(schemaName, out var schema) && schema.TryGetProperty("properties", out var props))
            {
                properties.AddRange(props.EnumerateObject().Select(p => new BodyProperty(p.Name, TypeOf(p.Value))));
            }
        }

        return route with { QueryParameters = query, BodySchema = schemaName, BodyProperties = properties };
    }

    /// <summary>
    /// The referenced schema's name, also inside <c>oneOf</c>/<c>anyOf: [null, $ref]</c> (an optional body) and
    /// <c>allOf: [$ref]</c> (the operation's required fields around the record).
    /// </summary>
    private static string? SchemaName(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference)) return reference.GetString()!.Split('/')[^1];
        if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf) || schema.TryGetProperty("allOf", out oneOf))
        {
            return oneOf.EnumerateArray().Select(SchemaName).FirstOrDefault(n => n is not null);
        }

        return null;
    }

    /// <summary>"string" for <c>["null", "string"]</c>; the first non-null type otherwise.</summary>
    private static string TypeOf(JsonElement property)
    {
        if (!property.TryGetProperty("type", out var type)) return "object";
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t != "null") ?? "null"
            : type.GetString()!;
    }
}
