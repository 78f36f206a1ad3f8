using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// What the OpenAPI document says an operation answers and accepts, from the endpoints' own metadata (no hand-written
/// document): the problem answers every <c>/api/v1</c> route shares, added once for the group, and the fields a request
/// body must carry, declared next to the route whose validator requires them.
/// </summary>
internal static class OpenApiAnswers
{
    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// 401 (no or a bad key), 429 (rate limit) and 503 (database unavailable) everywhere; 403 where the route is for staff; 404 where the path names
    /// a resource (a missing one and another company's answer alike); 400 with <c>errors</c> where the route takes a
    /// body or query parameters. Runs last, so it sees the handler's own metadata and never doubles a status.
    /// </summary>
    public static RouteGroupBuilder DocumentsProblems(this RouteGroupBuilder api)
    {
        ((IEndpointConventionBuilder)api).Finally(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder route) return;
            Add(endpoint, StatusCodes.Status401Unauthorized, typeof(ProblemDetails));
            if (endpoint.Metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Policies.Staff)) Add(endpoint, StatusCodes.Status403Forbidden, typeof(ProblemDetails));
            if (route.RoutePattern.Parameters.Count > 0) Add(endpoint, StatusCodes.Status404NotFound, typeof(ProblemDetails));
            if (TakesInput(endpoint, route)) Add(endpoint, StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
            Add(endpoint, StatusCodes.Status429TooManyRequests, typeof(ProblemDetails));
            // The database is unreachable (ExceptionHandling): any route, with Retry-After, nothing written.
            Add(endpoint, StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails));
        });
        return api;
    }

    /// <summary>
    /// The JSON request body must carry <paramref name="fields"/> (what the handler's validator refuses when absent);
    /// every other property of the request record may be left out (<see cref="OptionalRequestProperties"/>). One record
    /// serves create and update alike, so what is required is said per operation: <c>allOf</c> the record plus
    /// <c>required</c>.
    /// </summary>
    public static RouteHandlerBuilder RequiresFields(this RouteHandlerBuilder builder, params string[] fields) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var json) && json.Schema is { } schema)
            {
                // A body the handler takes as optional (null) but whose fields it requires cannot be left out after all.
                if (schema is OpenApiSchema { OneOf: { Count: 2 } either } && either.Any(IsNull)) schema = either.First(s => !IsNull(s));
                json.Schema = new OpenApiSchema { AllOf = [schema], Required = new HashSet<string>(fields, StringComparer.Ordinal) };
                if (operation.RequestBody is OpenApiRequestBody body) body.Required = true;
            }

            return Task.CompletedTask;
        });

    /// <summary>A file's bytes (its own content type; the document says <c>application/octet-stream</c>).</summary>
    public static RouteHandlerBuilder ProducesFile(this RouteHandlerBuilder builder) =>
        builder.Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream");

    /// <summary>The request records' properties are all optional in their component schema (see <see cref="RequiresFields"/>).</summary>
    public static Task OptionalRequestProperties(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type.Namespace?.StartsWith("TechLink.Server", StringComparison.Ordinal) == true && type.Name.EndsWith("Request", StringComparison.Ordinal))
        {
            schema.Required?.Clear();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A nullable property is <c>oneOf: [null, X]</c>; where X admits null too (an arbitrary JSON value, such as an event
    /// type's <c>sample</c>), a null matches both and <c>oneOf</c> refuses it. <c>anyOf</c> says what is meant. (A
    /// document transformer: the property schemas are put together after the schema transformers ran.)
    /// </summary>
    public static Task NullableAsAnyOf(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? []) NullableAsAnyOf(schema, 0);
        return Task.CompletedTask;
    }

    private static void NullableAsAnyOf(IOpenApiSchema node, int depth)
    {
        if (node is not OpenApiSchema schema || depth > 32) return;
        if (schema.OneOf is { Count: > 1 } one && one.Any(IsNull))
        {
            schema.AnyOf = one;
            schema.OneOf = null;
        }

        IEnumerable<IOpenApiSchema?> children = [.. schema.Properties?.Values ?? [], .. schema.AnyOf ?? [], .. schema.AllOf ?? [], schema.Items, schema.AdditionalProperties];
        foreach (var child in children)
        {
            if (child is not null) NullableAsAnyOf(child, depth + 1);
        }
    }

    private static bool IsNull(IOpenApiSchema schema) => schema is OpenApiSchema { Type: JsonSchemaType.Null };

    private static void Add(EndpointBuilder endpoint, int status, Type body)
    {
        if (endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Any(m => m.StatusCode == status)) return;
        endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, body, [ProblemJson]));
    }

    /// <summary>A body (a request record) or a query parameter (a simple value not named in the route) can be refused with 400.</summary>
    private static bool TakesInput(EndpointBuilder endpoint, RouteEndpointBuilder route)
    {
        if (endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is not { } handler) return false;
        return handler.GetParameters().Any(p =>
        {
            var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            if (type.Name.EndsWith("Request", StringComparison.Ordinal)) return true;
            return (type == typeof(string) || type.IsPrimitive) && route.RoutePattern.GetParameter(p.Name!) is null;
        });
    }
}
