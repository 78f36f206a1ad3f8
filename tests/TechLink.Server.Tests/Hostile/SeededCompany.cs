using System.Net;
using System.Text.Json;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// A client company with one object of every kind a route can name (site, work order with note, photo, close-out and
/// client documents, question and task, user, webhook registration with deliveries, a spare API key), and every text it
/// wrote carrying <see cref="Marker"/> so that a leak of its data shows in another company's answers.
/// </summary>
public sealed class SeededCompany
{
    private readonly Dictionary<string, string> _ids;

    private SeededCompany(Tenant tenant, string marker, string userName, string password, Dictionary<string, string> ids)
    {
        Tenant = tenant;
        Marker = marker;
        UserName = userName;
        Password = password;
        _ids = ids;
    }

    public Tenant Tenant { get; }

    /// <summary>A string in this company's names, titles, notes and answers, and nowhere else.</summary>
    public string Marker { get; }

    /// <summary>A portal user of the company (a client), with its password.</summary>
    public string UserName { get; }

    public string Password { get; }

    /// <summary>Route parameter name (or "segment/parameter" where a name is ambiguous) → the seeded object's id.</summary>
    public IReadOnlyDictionary<string, string> Ids => _ids;

    /// <summary>
    /// The seeded id for <paramref name="parameter"/> of <paramref name="template"/>; a parameter this class does not
    /// know throws, so that a route added with a new kind of id fails the tests until it is seeded here.
    /// </summary>
    public string IdFor(string parameter, string template)
    {
        var segments = template.Split('/');
        var at = Array.IndexOf(segments, "{" + parameter + "}");
        if (at > 0 && _ids.TryGetValue(segments[at - 1] + "/" + parameter, out var scoped)) return scoped;
        if (_ids.TryGetValue(parameter, out var id)) return id;
        throw new UnknownRouteParameterException(parameter, template);
    }

    public static async Task<SeededCompany> CreateAsync(TechLinkApp app, string label)
    {
        var marker = $"{label}-{Guid.NewGuid():N}"[..(label.Length + 13)];
        var tenant = await app.NewTenantAsync("Company " + marker);
        var ids = new Dictionary<string, string> { ["company_id"] = tenant.CompanyId };
        var spare = await tenant.Staff.PostJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys", new { name = "spare " + marker }, HttpStatusCode.Created);
        ids["api_key_id"] = spare.Str("api_key_id");

        // A registration whose deliveries fail fast (nothing listens on port 9): the log has entries without a receiver.
        var webhook = await tenant.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/" + marker), token: "token-" + marker);
        ids["webhook_id"] = webhook.Str("webhook_id");

        var userName = "user" + marker.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        const string password = "Passw0rd-seeded";
        var user = await tenant.Client.PostJsonAsync("/api/v1/users",
            new { username = userName, first_name = marker, last_name = "Seeded", email = "seeded@example.com", phone = "555", password }, HttpStatusCode.Created);
        ids["user_id"] = user.Str("user_id");

        var site = await tenant.CreateSiteAsync(name: "Site " + marker);
        ids["site_id"] = site.Str("site_id");
        var wo = (await tenant.CreateWorkOrderAsync(ids["site_id"], "Work " + marker)).Str("workorder_id");
        ids["workorder_id"] = wo;
        var basePath = $"/api/v1/workorders/{wo}";
        ids["note_id"] = (await tenant.Client.PostJsonAsync($"{basePath}/notes", new { content = "Note " + marker }, HttpStatusCode.Created)).Str("note_id");
        ids["photo_id"] = (await (await tenant.UploadAsync(tenant.Staff, $"{basePath}/photos", Tenant.PngBytes, "image/png", "p.png", "Photo " + marker))
            .ReadAsync(HttpStatusCode.Created)).Str("photo_id");
        ids["closeout-documents/document_id"] = (await (await tenant.UploadAsync(tenant.Staff, $"{basePath}/closeout-documents", "%PDF-1.4"u8.ToArray(), "application/pdf", "c.pdf"))
            .ReadAsync(HttpStatusCode.Created)).Str("document_id");
        ids["client-documents/document_id"] = (await (await tenant.UploadAsync(tenant.Client, $"{basePath}/client-documents", "hello"u8.ToArray(), "text/plain", "d.txt"))
            .ReadAsync(HttpStatusCode.Created)).Str("document_id");
        var question = await tenant.Staff.PostJsonAsync($"{basePath}/questions", new { question = "Question " + marker }, HttpStatusCode.Created);
        ids["question_id"] = question.Str("question_id");
        ids["task_id"] = (await tenant.Client.PostJsonAsync($"{basePath}/tasks", new { title = "Task " + marker }, HttpStatusCode.Created)).Str("task_id");
        await tenant.Staff.PostJsonAsync($"{basePath}/assign", new { tech_name = "Tech " + marker, tech_phone = "555" }, HttpStatusCode.OK);
        ids["delivery_id"] = (await tenant.DeliveriesAsync()).First().Str("delivery_id");
        ids["replay_id"] = (await tenant.Client.PostJsonAsync($"/api/v1/webhooks/{ids["webhook_id"]}/replay", new { since = "2000-01-01T00:00:00Z" }, HttpStatusCode.Accepted))
            .Str("replay_id");
        return new SeededCompany(tenant, marker, userName, password, ids);
    }

    /// <summary>Every id of this company by kind ("site", "workorder", "event", ...), read through its own key and staff.</summary>
    public async Task<IReadOnlyDictionary<string, HashSet<string>>> AllIdsAsync()
    {
        var kinds = new Dictionary<string, HashSet<string>>();
        void Add(string kind, string? id)
        {
            if (id is null) return;
            if (!kinds.TryGetValue(kind, out var set)) kinds[kind] = set = [];
            set.Add(id);
        }

        Add("company", Tenant.CompanyId);
        var client = Tenant.Client;
        foreach (var s in (await client.GetJsonAsync("/api/v1/sites?limit=1000")).Items()) Add("site", s.Str("site_id"));
        foreach (var u in (await client.GetJsonAsync("/api/v1/users?limit=1000")).Items()) Add("user", u.Str("user_id"));
        foreach (var w in (await client.GetJsonAsync("/api/v1/webhooks?limit=1000")).Items()) Add("webhook", w.Str("webhook_id"));
        foreach (var k in (await Tenant.Staff.GetJsonAsync($"/api/v1/companies/{Tenant.CompanyId}/api-keys")).Items()) Add("api_key", k.Str("api_key_id"));
        foreach (var e in await Tenant.EventsAsync()) Add("event", e.Str("event_id"));
        Add("replay", Ids["replay_id"]);
        foreach (var d in await Tenant.DeliveriesAsync())
        {
            Add("delivery", d.Str("delivery_id"));
            Add("message", d.Str("message_id"));
        }

        foreach (var w in (await client.GetJsonAsync("/api/v1/workorders?limit=1000")).Items())
        {
            var id = w.Str("workorder_id");
            Add("workorder", id);
            var basePath = $"/api/v1/workorders/{id}";
            foreach (var n in (await client.GetJsonAsync($"{basePath}/notes")).Items()) Add("note", n.Str("note_id"));
            foreach (var p in (await client.GetJsonAsync($"{basePath}/photos")).Items()) Add("file", p.Str("photo_id"));
            foreach (var d in (await client.GetJsonAsync($"{basePath}/closeout-documents")).Items()) Add("file", d.Str("document_id"));
            foreach (var d in (await client.GetJsonAsync($"{basePath}/client-documents")).Items()) Add("file", d.Str("document_id"));
            foreach (var q in (await client.GetJsonAsync($"{basePath}/questions")).Items()) Add("question", q.Str("question_id"));
            foreach (var t in (await client.GetJsonAsync($"{basePath}/tasks")).Items()) Add("task", t.Str("task_id"));
        }

        return kinds;
    }

    /// <summary>The kind of id a JSON property holds, by its name; null for properties that hold no id.</summary>
    public static string? KindOf(string property) => property switch
    {
        "company_id" => "company",
        "site_id" => "site",
        "workorder_id" => "workorder",
        "user_id" => "user",
        "webhook_id" => "webhook",
        "delivery_id" or "redelivery_of" => "delivery",
        "event_id" => "event",
        "message_id" => "message",
        "note_id" => "note",
        "photo_id" or "document_id" => "file",
        "question_id" => "question",
        "task_id" => "task",
        "api_key_id" => "api_key",
        "replay_id" => "replay",
        _ => null,
    };

    /// <summary>Where in <paramref name="json"/> this company shows: its marker in any string, or one of its ids under an id property.</summary>
    public static IEnumerable<string> Leaks(JsonElement json, string marker, IReadOnlyDictionary<string, HashSet<string>> ids, string path = "$")
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in json.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String && KindOf(p.Name) is { } kind && ids.TryGetValue(kind, out var set) && set.Contains(p.Value.GetString()!))
                    {
                        yield return $"{path}.{p.Name} = {p.Value.GetString()} is the other company's {kind}";
                    }

                    foreach (var leak in Leaks(p.Value, marker, ids, $"{path}.{p.Name}")) yield return leak;
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in json.EnumerateArray())
                {
                    foreach (var leak in Leaks(item, marker, ids, $"{path}[{i++}]")) yield return leak;
                }

                break;
            case JsonValueKind.String when json.GetString()!.Contains(marker, StringComparison.Ordinal):
                yield return $"{path} contains the other company's marker";
                break;
        }
    }
}

/// <summary>A route names an id that <see cref="SeededCompany"/> cannot fill: seed that kind of object, then map its parameter.</summary>
public sealed class UnknownRouteParameterException(string parameter, string template)
    : Exception($"Route {template} has the parameter {{{parameter}}}, which SeededCompany does not know: seed that kind of object and map its id.");
