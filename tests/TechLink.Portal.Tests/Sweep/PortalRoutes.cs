using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>A value the page takes from the request: a route value, a handler parameter or a bound form property.</summary>
public sealed record PortalField(string Name, Type Type, bool FromRoute)
{
    /// <summary>Ids are what tenancy is about: <c>id</c>, <c>companyId</c>, <c>New.SiteId</c>...</summary>
    public bool IsId
    {
        get
        {
            var last = Name[(Name.LastIndexOf('.') + 1)..];
            return last.Equals("id", StringComparison.OrdinalIgnoreCase) || last.EndsWith("Id", StringComparison.Ordinal);
        }
    }
}

/// <summary>One handler of one Razor Page, as the running app knows it.</summary>
public sealed record PortalHandler(string Page, string Route, string Method, string? Name, IReadOnlyList<PortalField> Fields)
{
    public IEnumerable<PortalField> RouteValues => Fields.Where(f => f.FromRoute);

    public override string ToString() => $"{Method} {Route}{(Name is null ? "" : "?handler=" + Name)}";
}

/// <summary>
/// The portal's pages and handlers read from the app itself (the endpoint data source and the page loader), so that a
/// page or form added later is swept without anyone listing it.
/// </summary>
public static class PortalRoutes
{
    public static async Task<IReadOnlyList<PortalHandler>> AllAsync(IServiceProvider services)
    {
        var loader = services.GetRequiredService<PageLoader>();
        var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .ToList();
        var handlers = new List<PortalHandler>();
        foreach (var endpoint in endpoints)
        {
            var page = endpoint.Metadata.GetMetadata<PageActionDescriptor>()!;
            var compiled = await loader.LoadAsync(page, endpoint.Metadata);
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var routeFields = endpoint.RoutePattern.Parameters.Select(p => new PortalField(p.Name, typeof(string), FromRoute: true)).ToList();
            var bound = compiled.BoundProperties
                .Where(p => !routeNames.Contains(p.Name))
                .SelectMany(p => Expand(p.Name, p.ParameterType))
                .ToList();
            var methods = compiled.HandlerMethods.Count == 0
                ? [(Method: HttpMethods.Get, Name: (string?)null, Parameters: new List<PortalField>())]
                : compiled.HandlerMethods.Select(h => (Method: h.HttpMethod.ToUpperInvariant(), Name: h.Name,
                    Parameters: h.Parameters.Where(p => p.ParameterType != typeof(CancellationToken) && !routeNames.Contains(p.Name))
                        .SelectMany(p => Expand(p.Name, p.ParameterType)).ToList())).ToList();
            foreach (var (method, name, parameters) in methods)
            {
                // Bound properties are bound on POST; on GET only those marked SupportsGet, which are filters, not ids we fill.
                var fields = method == HttpMethods.Post ? [.. routeFields, .. parameters, .. bound] : routeFields.Concat(parameters).ToList();
                handlers.Add(new PortalHandler(page.ViewEnginePath, route, method, name, fields.DistinctBy(f => f.Name, StringComparer.OrdinalIgnoreCase).ToList()));
            }
        }

        return [.. handlers.DistinctBy(h => h.ToString()).OrderBy(h => h.Route, StringComparer.Ordinal).ThenBy(h => h.Method, StringComparer.Ordinal).ThenBy(h => h.Name, StringComparer.Ordinal)];
    }

    /// <summary>A form model (<c>Form</c>, <c>New</c>) is posted as <c>Form.Url</c>, <c>New.SiteId</c>...: one field per property.</summary>
    private static IEnumerable<PortalField> Expand(string name, Type type)
    {
        if (type.IsPrimitive || type == typeof(string) || type.IsEnum || Nullable.GetUnderlyingType(type) is not null || type == typeof(decimal))
        {
            return [new PortalField(name, type, FromRoute: false)];
        }

        if (typeof(Microsoft.AspNetCore.Http.IFormFile).IsAssignableFrom(type)) return [new PortalField(name, type, FromRoute: false)];
        return type.GetProperties().Where(p => p.CanWrite).Select(p => new PortalField($"{name}.{p.Name}", p.PropertyType, FromRoute: false));
    }
}
