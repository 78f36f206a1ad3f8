using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TechLink.Server.Webhooks;

namespace TechLink.Server.Infrastructure;

/// <summary>Adds the API key scheme and, in the description, a sample of every webhook payload.</summary>
internal sealed class OpenApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "TechLink Services API";
        document.Info.Version = "v1";
        var description = new StringBuilder();
        description.AppendLine("The REST API of TechLink Services. Authenticate with `Authorization: Bearer <api key>`.");
        description.AppendLine("Ids are strings of digits; instants are ISO 8601 UTC; lists answer `{\"items\": [...], \"next_cursor\": ...}`; errors are RFC 9457 problem details.");
        description.AppendLine();
        description.AppendLine("## Webhook payloads");
        description.AppendLine("Every delivery is an HTTP POST of one of these JSON bodies, with `X-Token` (when set), `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks, `v1,<base64 HMAC-SHA256>`).");
        foreach (var type in EventCatalog.All)
        {
            var sample = EventSamples.For(type.Type);
            if (sample is null) continue;
            description.AppendLine().AppendLine($"### {type.Type}").AppendLine(type.Description).AppendLine("```json");
            description.AppendLine(JsonSerializer.Serialize(sample, sample.GetType(), new JsonSerializerOptions(ApiJson.Options) { WriteIndented = true }));
            description.AppendLine("```");
        }

        document.Info.Description = description.ToString();
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A TechLink API key: `Authorization: Bearer tlk_...`",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
