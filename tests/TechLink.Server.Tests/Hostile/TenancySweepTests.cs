using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// Company A's client key against company B's data, over every route of the endpoint data source: B's ids answer 404
/// exactly as missing ones and change nothing anywhere; staff routes answer 403; lists (also filtered by B's ids) show
/// only A; a B company id or site id in a body never writes into B.
/// </summary>
public abstract class TenancySweepTests(AppFixture fixture, PostgresFixture? postgres, ITestOutputHelper output) : ServerTest(fixture, postgres)
{
    private const string MissingId = "987654321";

    private Task<(SeededCompany A, SeededCompany B)> CompaniesAsync() => Fixture.SharedAsync("a and b", async () =>
        (await SeededCompany.CreateAsync(App, "ALFA"), await SeededCompany.CreateAsync(App, "BRAVO")));

    private static HttpRequestMessage Request(ApiRoute route, string path, SeededCompany bodyOwner)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        request.Content = route.Body switch
        {
            BodyKind.Json => FuzzCases.Json(SampleBodies.For(route.BodySchema!, bodyOwner)),
            BodyKind.Multipart => FuzzCases.Upload(Tenant.PngBytes, "image/png", "p.png"),
            _ => null,
        };
        return request;
    }

    /// <summary>Each way to fill a route's ids with at least one of B's: all B's, and (with several ids) each one B's among A's.</summary>
    private static IEnumerable<(string Label, Func<string, string, string> Id)> ForeignFillings(ApiRoute route, SeededCompany a, SeededCompany b)
    {
        yield return ("all ids B's", b.IdFor);
        if (route.PathParameters.Count < 2) yield break;
        foreach (var foreign in route.PathParameters)
        {
            yield return ($"{{{foreign}}} B's, the rest A's", (p, t) => p == foreign ? b.IdFor(p, t) : a.IdFor(p, t));
        }
    }

    [Fact]
    public async Task EveryRoute_ClientKeyWithOtherCompanysIds_Answers404AsMissingOr403AndChangesNothing()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var (a, b) = await CompaniesAsync();
        var failures = new List<string>();
        long sent = 0, lost = 0;
        var clock = Stopwatch.StartNew();
        var before = await DatabaseSnapshot.TakeAsync(App);
        foreach (var route in routes.Where(r => r.PathParameters.Count > 0 || r.StaffOnly))
        {
            var fillings = route.StaffOnly ? ForeignFillings(route, a, b).Take(1) : ForeignFillings(route, a, b);
            foreach (var (label, id) in fillings)
            {
                var where = $"{route} [{label}]";
                using var response = await a.Tenant.Client.SendAsync(Request(route, route.Fill(id), a));
                sent++;
                var status = (int)response.StatusCode;
                var (faults, problem) = await Answers.CheckAsync(response);
                var expected = route.StaffOnly ? 403 : 404;
                if (status != expected) faults.Add($"expected {expected}, got {status}: {problem}");

                var after = await DatabaseSnapshot.TakeAsync(App);
                if (after.DifferenceFrom(before) is { } change) faults.Add("changed: " + change);
                before = after;

                // "Exactly as a missing one": the same answer as for an id that does not exist.
                if (!route.StaffOnly && problem is { } p)
                {
                    using var missing = await a.Tenant.Client.SendAsync(Request(route, route.Fill((param, t) => id(param, t) == b.IdFor(param, t) ? MissingId : id(param, t)), a));
                    var (_, missingProblem) = await Answers.CheckAsync(missing);
                    if ((int)missing.StatusCode != status || Text(missingProblem, "title") != Text(p, "title") || Text(missingProblem, "detail") != Text(p, "detail"))
                    {
                        faults.Add($"answers differently from a missing id: {p} vs {(int)missing.StatusCode} {missingProblem}");
                    }
                }

                if (faults.Count > 0) lost++;
                failures.AddRange(faults.Select(f => $"{where}: {f}"));
            }
        }

        output.WriteLine($"{sent} requests with B's ids over {routes.Count(r => r.PathParameters.Count > 0 || r.StaffOnly)} routes in {clock.Elapsed.TotalSeconds:F0} s; {lost} wrong");
        ReliabilityLog.Record("Tenancy", $"company A's client key with company B's ids on every API route with an id, and every staff route ({Answers.Database(App.Provider)})", sent, lost,
            string.Create(CultureInfo.InvariantCulture,
                $"routes from the endpoint data source; 404 as for a missing id (status, title, detail) or 403 on staff routes; whole database and file store compared after each request; mixed A/B ids on nested routes; {clock.Elapsed.TotalSeconds:F0} s"));
        Assert.True(failures.Count == 0, $"{failures.Count} failures of {sent} requests:\n" + string.Join('\n', failures.Take(60)));
    }

    [Fact]
    public async Task EveryReadRoute_ClientKey_ShowsOwnDataAndNothingOfTheOtherCompany()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var (a, b) = await CompaniesAsync();
        var bIds = await b.AllIdsAsync();
        var aIds = await a.AllIdsAsync();
        var failures = new List<string>();
        long sent = 0, lost = 0;
        foreach (var route in routes.Where(r => r.Method == "GET" && !r.StaffOnly))
        {
            var path = route.Fill(a.IdFor);
            // Unfiltered, then each filter given one of B's ids (a client's company_id must be ignored, a B site or work order matches nothing).
            var queries = new List<string> { "" };
            foreach (var q in route.QueryParameters)
            {
                var value = q switch
                {
                    "company_id" => b.Tenant.CompanyId,
                    "site_id" => b.Ids["site_id"],
                    "workorder_id" => b.Ids["workorder_id"],
                    "webhook_id" => b.Ids["webhook_id"],
                    // The event feed's since is an event id; elsewhere (the delivery log, the audit trail) an instant.
                    "since" => route.Template.EndsWith("/events", StringComparison.Ordinal) ? "0" : "2000-01-01T00:00:00Z",
                    _ => null,
                };
                if (value is not null) queries.Add($"?{q}={value}&limit=1000");
            }

            foreach (var query in queries)
            {
                var where = $"{route}{query}";
                using var response = await a.Tenant.Client.GetAsync(path + query);
                sent++;
                var (faults, _) = await Answers.CheckAsync(response);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) faults.Add($"answered {(int)response.StatusCode}: {Answers.Cut(text)}");
                if (text.Contains(b.Marker, StringComparison.Ordinal)) faults.Add("shows B's marker");
                if (response.Content.Headers.ContentType?.MediaType == "application/json")
                {
                    var json = JsonDocument.Parse(text).RootElement;
                    faults.AddRange(SeededCompany.Leaks(json, b.Marker, bIds).Take(3));
                    // An empty answer proves nothing: unfiltered, A sees its own ids or marker, or (timeline, statuses) a non-empty list.
                    var own = SeededCompany.Leaks(json, a.Marker, aIds).Any()
                        || (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("items", out var items) && items.GetArrayLength() > 0);
                    if (query.Length == 0 && !own) faults.Add("shows none of A's own data");
                }

                if (faults.Count > 0) lost++;
                failures.AddRange(faults.Select(f => $"{where}: {f}"));
            }
        }

        output.WriteLine($"{sent} reads as A; {lost} showed B's data or none of A's");
        ReliabilityLog.Record("Tenancy", $"every API read route as company A, unfiltered and filtered by company B's ids ({Answers.Database(App.Provider)})", sent, lost,
            "no B id (typed by property: site, work order, event, delivery, file ...) and no B marker anywhere in the JSON; A's own data present");
        Assert.True(failures.Count == 0, $"{failures.Count} failures of {sent} reads:\n" + string.Join('\n', failures.Take(60)));
    }

    [Fact]
    public async Task EveryJsonWrite_OtherCompanysIdsInBody_NeverWritesIntoThatCompany()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var (a, b) = await CompaniesAsync();
        var failures = new List<string>();
        long sent = 0, lost = 0;
        var foreignFields = new Dictionary<string, string> { ["company_id"] = b.Tenant.CompanyId, ["site_id"] = b.Ids["site_id"] };
        foreach (var route in routes.Where(r => r.Body == BodyKind.Json && !r.StaffOnly))
        {
            var fields = route.BodyProperties.Select(p => p.Name).Where(foreignFields.ContainsKey).ToList();
            if (fields.Count == 0) continue;
            var bBefore = await b.AllIdsAsync();
            var body = JsonNode.Parse(SampleBodies.For(route.BodySchema!, a))!.AsObject();
            foreach (var field in fields) body[field] = foreignFields[field];
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(a.IdFor)) { Content = FuzzCases.Json(body.ToJsonString()) };
            using var response = await a.Tenant.Client.SendAsync(request);
            sent++;
            var (faults, problem) = await Answers.CheckAsync(response);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (answer.TryGetProperty("company_id", out var owner) && owner.GetString() != a.Tenant.CompanyId) faults.Add($"created/updated for company {owner}");
            }
            else if (status != 400 || !fields.Any(f => Answers.NamesField(problem, f)))
            {
                faults.Add($"expected success within A or 400 naming {string.Join('/', fields)}, got {status}: {problem}");
            }

            var bAfter = await b.AllIdsAsync();
            foreach (var (kind, ids) in bAfter)
            {
                if (!ids.SetEquals(bBefore.GetValueOrDefault(kind) ?? [])) faults.Add($"B's {kind} ids changed: {string.Join(',', bBefore.GetValueOrDefault(kind) ?? [])} → {string.Join(',', ids)}");
            }

            if (faults.Count > 0) lost++;
            failures.AddRange(faults.Select(f => $"{route} with B's {string.Join(", ", fields)}: {f}"));
        }

        Assert.True(sent >= 5, $"only {sent} JSON routes take a company or site id; the sweep found too few");
        ReliabilityLog.Record("Tenancy", $"company B's company_id/site_id in the body of every client JSON write ({Answers.Database(App.Provider)})", sent, lost,
            "each either refused naming the field or applied to A only; B's objects, feed and deliveries unchanged");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string? Text(JsonElement? problem, string property) =>
        problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(property, out var v) ? v.ToString() : null;
}

public sealed class TenancySweepTestsSqlite(AppFixture fixture, ITestOutputHelper output) : TenancySweepTests(fixture, null, output), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class TenancySweepTestsPostgres(AppFixture fixture, PostgresFixture postgres, ITestOutputHelper output) : TenancySweepTests(fixture, postgres, output), IClassFixture<AppFixture>;
