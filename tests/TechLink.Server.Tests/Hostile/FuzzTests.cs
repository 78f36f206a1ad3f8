using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// Hostile input over every API route of the endpoint data source: malformed JSON, wrong types, 1 MB strings, 10,000-deep
/// nesting, wrong content types, oversized uploads, bad ids and query values. Never a 5xx, every 4xx a problem details
/// body (naming the field at fault), and a refused request leaves every table and the file store as they were.
/// </summary>
public abstract class FuzzTests(AppFixture fixture, PostgresFixture? postgres, ITestOutputHelper output) : ServerTest(fixture, postgres)
{
    private Task<SeededCompany> CompanyAsync() => Fixture.SharedAsync("fuzz company", () => SeededCompany.CreateAsync(App, "FUZZ"));

    [Fact]
    public async Task RouteTable_FromEndpointDataSource_HasEveryRouteAndASeededIdForEveryParameter()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var company = await CompanyAsync();
        output.WriteLine($"{routes.Count} API route × method pairs in the endpoint data source:");
        foreach (var route in routes) output.WriteLine($"  {route}{(route.StaffOnly ? " [staff]" : "")} body={route.Body} query=[{string.Join(',', route.QueryParameters)}]");
        Assert.True(routes.Count >= ApiRouteTable.SanityFloor, $"only {routes.Count} API routes found; the floor is {ApiRouteTable.SanityFloor}");

        // Every parameter of every route resolves to a seeded id; an unknown one throws and fails here.
        foreach (var route in routes) Assert.DoesNotContain("{", route.Fill(company.IdFor), StringComparison.Ordinal);
        Assert.All(routes.Where(r => r.Body == BodyKind.Json), r => Assert.NotEmpty(SampleBodies.For(r.BodySchema!, company)));
        Assert.Contains(routes, r => r.Body == BodyKind.Multipart);
    }

    /// <summary>The half-write check can fail: an accepted write shows in the snapshot, rows and stored files alike.</summary>
    [Fact]
    public async Task Snapshot_AcceptedWrites_ShowTheirRowsAndFiles()
    {
        var company = await CompanyAsync();
        var wo = company.Ids["workorder_id"];
        var before = await DatabaseSnapshot.TakeAsync(App);
        Assert.Null((await DatabaseSnapshot.TakeAsync(App)).DifferenceFrom(before));

        await company.Tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/notes", new { content = "seen by the snapshot" }, System.Net.HttpStatusCode.Created);
        var afterNote = await DatabaseSnapshot.TakeAsync(App);
        var change = afterNote.DifferenceFrom(before);
        Assert.NotNull(change);
        Assert.Contains("work_order_notes", change, StringComparison.Ordinal);
        Assert.Contains("outbox_messages", change, StringComparison.Ordinal);

        await (await company.Tenant.UploadAsync(company.Tenant.Client, $"/api/v1/workorders/{wo}/client-documents", "x"u8.ToArray(), "text/plain", "x.txt"))
            .ReadAsync(System.Net.HttpStatusCode.Created);
        var afterUpload = await DatabaseSnapshot.TakeAsync(App);
        Assert.Equal(afterNote.Files + 1, afterUpload.Files);
        Assert.Contains("stored files", afterUpload.DifferenceFrom(afterNote), StringComparison.Ordinal);
    }

    /// <summary>A status in which the work order action of this route is allowed (WorkOrderRules), or null for other routes.</summary>
    private static string? ActionStatus(string template) => template.EndsWith("/check-out", StringComparison.Ordinal) ? "70"
        : template.EndsWith("/check-in", StringComparison.Ordinal) || template.EndsWith("/schedule", StringComparison.Ordinal)
          || template.EndsWith("/assign", StringComparison.Ordinal) || template.EndsWith("/close", StringComparison.Ordinal)
          || template.EndsWith("/cancel", StringComparison.Ordinal) ? "20"
        : null;

    [Fact]
    public async Task EveryApiRoute_HostileInput_NeverA5xxAlwaysAProblemAndNothingHalfWritten()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var company = await CompanyAsync();
        var maxUpload = App.Services.GetRequiredService<IOptions<TechLinkOptions>>().Value.Files.MaxUploadBytes;
        var staff = App.Staff();
        var client = company.Tenant.Client;
        var failures = new List<string>();
        var acceptedHuge = new SortedSet<string>(StringComparer.Ordinal);
        long sent = 0, broken = 0, halfWritten = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        var before = await DatabaseSnapshot.TakeAsync(App);
        foreach (var route in routes)
        {
            foreach (var fuzz in FuzzCases.For(route, company, maxUpload))
            {
                // A work order action is allowed only in some statuses (409 otherwise): put the order in one that allows it
                // first (the staff override), so the valid control is accepted; the snapshot is taken after that.
                if (route.Method == "POST" && ActionStatus(route.Template) is { } allowing)
                {
                    await staff.PostJsonAsync($"/api/v1/workorders/{company.Ids["workorder_id"]}/status", new { status_code = allowing }, System.Net.HttpStatusCode.OK);
                    before = await DatabaseSnapshot.TakeAsync(App);
                }

                using var request = new HttpRequestMessage(new HttpMethod(route.Method), fuzz.Path) { Content = fuzz.Content() };
                var where = $"{route} [{fuzz.Name}]";
                sent++;
                HttpResponseMessage response;
                try
                {
                    response = await (route.StaffOnly || fuzz.AsStaff ? staff : client).SendAsync(request);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
                {
                    broken++;
                    failures.Add($"{where}: the request failed in the server: {e.GetType().Name}: {e.Message}");
                    continue;
                }

                using (response)
                {
                    var status = (int)response.StatusCode;
                    var (faults, problem) = await Answers.CheckAsync(response);
                    if (faults.Count > 0) broken++;
                    faults.AddRange(Unexpected(fuzz, status, problem));
                    if (fuzz.Expect == Expect.RejectedOrAccepted && status < 300 && fuzz.Name.StartsWith("1 MB", StringComparison.Ordinal)) acceptedHuge.Add($"{route} {fuzz.Field}");

                    var after = await DatabaseSnapshot.TakeAsync(App);
                    if (status >= 400)
                    {
                        refused++;
                        if (after.DifferenceFrom(before) is { } change)
                        {
                            halfWritten++;
                            faults.Add("refused but changed: " + change);
                        }
                    }

                    before = after;
                    failures.AddRange(faults.Select(f => $"{where}: {f}"));
                }
            }
        }

        output.WriteLine($"{sent} requests over {routes.Count} routes in {clock.Elapsed.TotalSeconds:F0} s; {refused} refused; {broken} 5xx/non-problem; {halfWritten} half-written");
        output.WriteLine("1 MB strings accepted (ignored or allowed): " + (acceptedHuge.Count == 0 ? "none" : string.Join("; ", acceptedHuge)));
        ReliabilityLog.Record("Fuzz",
            $"malformed bodies, wrong types, huge/deep input, wrong content types, oversized uploads over every API route ({Answers.Database(App.Provider)})",
            sent, broken + halfWritten,
            string.Create(CultureInfo.InvariantCulture,
                $"{routes.Count} route × method pairs from the endpoint data source, ≤ {FuzzCases.MaxPerRoute} cases each; {refused} refused (4xx); 5xx or non-problem answers {broken}; half-writes {halfWritten}; other expectation failures {failures.Count - broken - halfWritten}; {clock.Elapsed.TotalSeconds:F0} s"));
        Assert.True(failures.Count == 0, $"{failures.Count} failures of {sent} requests:\n" + string.Join('\n', failures.Take(80)));
    }

    [Fact]
    public async Task EveryApiPath_MethodItDoesNotMap_Answers405Problem()
    {
        var routes = await ApiRouteTable.LoadAsync(App);
        var company = await CompanyAsync();
        var failures = new List<string>();
        foreach (var path in routes.GroupBy(r => r.Template))
        {
            var method = new[] { "PUT", "DELETE", "PATCH", "POST", "GET" }.First(m => path.All(r => r.Method != m));
            using var request = new HttpRequestMessage(new HttpMethod(method), path.First().Fill(company.IdFor)) { Content = FuzzCases.Json("{}") };
            using var response = await company.Tenant.Client.SendAsync(request);
            var (faults, _) = await Answers.CheckAsync(response);
            // "PUT /webhooks/deliveries" is "PUT /webhooks/{webhook_id}" with the id "deliveries": that route's 404 is right.
            var shadowed = routes.Any(r => r.Method == method && Matches(r.Template, path.Key));
            var expected = shadowed ? 404 : 405;
            if ((int)response.StatusCode != expected) faults.Add($"expected {expected}, got {(int)response.StatusCode}");
            failures.AddRange(faults.Select(f => $"{method} {path.Key}: {f}"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static bool Matches(string template, string path)
    {
        var t = template.Split('/');
        var p = path.Split('/');
        return t.Length == p.Length && t.Zip(p).All(x => x.First == x.Second || x.First.StartsWith('{'));
    }

    private static IEnumerable<string> Unexpected(FuzzCase fuzz, int status, System.Text.Json.JsonElement? problem)
    {
        switch (fuzz.Expect)
        {
            case Expect.Success when status is < 200 or >= 300:
                yield return $"the valid control answered {status}: {problem}";
                break;
            case Expect.Rejected when status is < 400 or >= 500:
                yield return $"expected a refusal (4xx), got {status}";
                break;
            case Expect.NotFound when status != 404:
                yield return $"expected 404 for a malformed id, got {status}: {problem}";
                break;
        }

        if (status == 400 && fuzz.Field is { } field && fuzz.Expect is Expect.Rejected or Expect.RejectedOrAccepted && !Answers.NamesField(problem, field))
        {
            yield return $"400 without errors[{field}]: {problem}";
        }
    }
}

public sealed class FuzzTestsSqlite(AppFixture fixture, ITestOutputHelper output) : FuzzTests(fixture, null, output), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class FuzzTestsPostgres(AppFixture fixture, PostgresFixture postgres, ITestOutputHelper output) : FuzzTests(fixture, postgres, output), IClassFixture<AppFixture>;
