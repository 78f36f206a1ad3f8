using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TechLink.Webhooks;

namespace TechLink.Server.Infrastructure;

/// <summary>
/// The OpenAPI 3.1 <c>webhooks</c> section: one POST per event type, its body schema generated from the event's record
/// (<see cref="TechLinkEventTypes.Definitions"/>) and its sample as the example, so a client can generate a receiver.
/// </summary>
internal sealed class OpenApiWebhooks : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var definition in TechLinkEventTypes.Definitions)
        {
            var schemaId = "Webhook" + definition.ClrType.Name;
            var schema = await context.GetOrCreateSchemaAsync(definition.ClrType, null, cancellationToken);
            schema.Description = definition.Description;
            document.Components.Schemas[schemaId] = schema;
            document.Webhooks[definition.Name] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = "webhook" + definition.ClrType.Name,
                        Summary = definition.Name,
                        Description = definition.Description
                            + " Sent with `X-Token` (when set), `webhook-id`, `webhook-timestamp`, `webhook-signature` and `techlink-sequence`.",
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/json"] = new() { Schema = new OpenApiSchemaReference(schemaId, document), Example = JsonNode.Parse(definition.SampleJson) },
                            },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["2XX"] = new OpenApiResponse { Description = "Received; any 2xx status ends the delivery." },
                            ["default"] = new OpenApiResponse { Description = "Not received; the delivery is tried again later." },
                        },
                    },
                },
            };
        }
    }
}
