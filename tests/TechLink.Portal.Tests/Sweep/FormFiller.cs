using System.Globalization;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>A request to one handler, as the page's own form would send it.</summary>
public sealed record PortalRequest(PortalHandler Handler, string Path, Dictionary<string, string> Form)
{
    public override string ToString() => $"{Handler.Method} {Path}";
}

/// <summary>
/// Fills a handler's route values and form fields: ids from an <see cref="IdSet"/> (or a mix of two companies'),
/// everything else with values the handler accepts, so that the same request with a valid token really changes
/// something. An id field this class does not know makes the sweeps fail: a new form cannot slip past them.
/// </summary>
public static class FormFiller
{
    /// <summary>Which kind of id each id field of each page is.</summary>
    public static IdKind? KindOf(PortalHandler handler, PortalField field) => (handler.Page, field.Name) switch
    {
        (_, "companyId") => IdKind.Company,
        (_, "deliveryId") => IdKind.Delivery,
        (_, "eventId") => IdKind.Event,
        (_, "workOrderId") => IdKind.WorkOrder,
        ("/Companies/Webhooks", "id") => IdKind.Webhook,
        ("/Companies/Sites", "id") => IdKind.Site,
        ("/Companies/Users", "id") => IdKind.User,
        ("/WorkOrders/Detail", "questionId") => IdKind.Question,
        ("/WorkOrders/Detail", "taskId") => IdKind.Task,
        ("/WorkOrders/Index", "New.SiteId") => IdKind.Site,
        _ => null,
    };

    /// <summary>Ids that filter a list page (query string) rather than address a thing.</summary>
    public static IdKind? FilterKindOf(PortalHandler handler, PortalField field) => (handler.Page, field.Name) switch
    {
        ("/Companies/Deliveries", "webhook") => IdKind.Webhook,
        ("/Companies/Deliveries", "workorder") => IdKind.WorkOrder,
        _ => null,
    };

    /// <summary>"page handler field" for every id field the filler cannot address (must be empty).</summary>
    public static IReadOnlyList<string> Unaddressable(IEnumerable<PortalHandler> handlers) =>
        [.. handlers.SelectMany(h => h.Fields.Where(f => f.IsId && KindOf(h, f) is null).Select(f => $"{h} [{h.Page}]: {f.Name}"))];

    /// <summary>The id fields of a handler with their kinds.</summary>
    public static IReadOnlyList<(PortalField Field, IdKind Kind)> Ids(PortalHandler handler) =>
        [.. handler.Fields.Where(f => f.IsId).Select(f => (f, KindOf(handler, f) ?? throw new InvalidOperationException($"{handler}: no id for {f.Name}")))];

    /// <summary>
    /// The request: route values in the path, the handler name and top-level ids in the query (as the pages' forms put
    /// them), form-model fields in the body. <paramref name="idFor"/> chooses the id of each field.
    /// </summary>
    public static PortalRequest Build(PortalHandler handler, Func<PortalField, IdKind, string> idFor, int n, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var path = handler.Route;
        var query = new List<string>();
        if (handler.Name is not null) query.Add("handler=" + Uri.EscapeDataString(handler.Name));
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in handler.Fields)
        {
            if (field.IsId)
            {
                var id = idFor(field, KindOf(handler, field) ?? throw new InvalidOperationException($"{handler}: no id for {field.Name}"));
                if (field.FromRoute)
                {
                    // An optional route value ({id?}: the endpoint page of the Webhooks tab) is filled like a required one.
                    path = path.Replace("{" + field.Name + "}", Uri.EscapeDataString(id), StringComparison.OrdinalIgnoreCase)
                        .Replace("{" + field.Name + "?}", Uri.EscapeDataString(id), StringComparison.OrdinalIgnoreCase);
                }
                else if (field.Name.Contains('.', StringComparison.Ordinal)) form[field.Name] = id;
                else query.Add($"{field.Name}={Uri.EscapeDataString(id)}");
            }
            else if (handler.Method == "POST")
            {
                form[field.Name] = overrides?.GetValueOrDefault(field.Name) ?? ValueFor(handler, field, n);
            }
        }

        if (path.Contains('{', StringComparison.Ordinal)) throw new InvalidOperationException($"{handler}: route value left unfilled in {path}");
        return new PortalRequest(handler, query.Count == 0 ? path : path + "?" + string.Join('&', query), form);
    }

    /// <summary>A value the handler accepts for a field that is not an id.</summary>
    private static string ValueFor(PortalHandler handler, PortalField field, int n)
    {
        var name = field.Name[(field.Name.LastIndexOf('.') + 1)..].ToLowerInvariant();
        var i = n.ToString(CultureInfo.InvariantCulture);
        return (handler.Page, name) switch
        {
            ("/WorkOrders/Detail", "status") => "completed",
            ("/Companies/Webhooks", "enabled") when !field.Name.Contains('.', StringComparison.Ordinal) => "false",
            (_, "name") => $"Sweep {i}",
            (_, "username") => $"sweep.new.{i}",
            (_, "password") => PortalServer.Password,
            (_, "firstname") => "Sweep",
            (_, "lastname") => "Person",
            (_, "email") => $"sweep{i}@example.com",
            (_, "phone") or (_, "techphone") => "555-0100",
            (_, "isactive") or (_, "enabled") => "true",
            (_, "sitenumber") => "9",
            (_, "address1") => "1 Main Street",
            (_, "city") => "Austin",
            (_, "state") => "TX",
            (_, "postalcode") => "78701",
            (_, "country") => "US",
            (_, "contactname") => "Pat Manager",
            (_, "timezone") => "America/Chicago",
            (_, "type") => "(any webhooks)",
            (_, "url") => $"http://127.0.0.1:9/sweep-{i}",
            (_, "token") => $"sweep-token-{i}",
            (_, "title") => $"Sweep title {i}",
            (_, "clientreference") => $"PO-{i}",
            (_, "description") => $"Sweep description {i}",
            (_, "priority") => "high",
            (_, "statuscode") => "20",
            (_, "start") => "2026-12-01 09:00:00",
            (_, "techname") => "Tess Tech",
            (_, "disposition") => "complete",
            (_, "content") => $"Sweep note {i}",
            (_, "question") => $"Sweep question {i}?",
            (_, "answer") => $"Sweep answer {i}",
            (_, "due") => "2026-12-15",
            (_, "testevent") => "work order status change",
            ("/Companies/Webhooks", "since") => "2000-01-01T00:00",
            _ => field.Type == typeof(bool) ? "false" : "",
        };
    }
}
