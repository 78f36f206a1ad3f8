using System.Net;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// The portal's tenancy, generated from the app's own page list: company A's user opens every page and posts every form
/// (with a valid antiforgery token) with company B's ids, all of them or one at a time, and gets 404, changes nothing
/// and never sees B's data. Each request has a control: the same request with A's own ids is accepted.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class TenancyPortalTests(SweepFixture fixture, ITestOutputHelper output)
{
    /// <summary>The work-order actions reserved to staff: the product answers 403 to a client user (whatever the ids).</summary>
    private static readonly HashSet<string> StaffOnly =
        ["Status", "Schedule", "Assign", "CheckIn", "CheckOut", "Close", "Photo", "CloseOutDocument", "Question", "Answer"];

    private static bool IsStaffOnly(PortalHandler h) => h.Page == "/WorkOrders/Detail" && h.Name is { } name && StaffOnly.Contains(name);

    [Fact]
    public async Task ClientOfCompanyA_WithCompanyBsIds_Gets404OnEveryPageAndFormAndChangesNothing()
    {
        using var client = await fixture.Server.LogInAsync(SweepFixture.ClientA);
        var token = await client.TokenAsync($"/companies/{fixture.CompanyA}") ?? throw new InvalidOperationException("no token");
        var pageIds = await fixture.NewIdsAsync(fixture.CompanyA);
        var failures = new List<string>();
        var tries = 0;
        var controls = 0;

        async Task<(HttpStatusCode Status, string Body, IReadOnlyList<string> Changed)> SendAsync(PortalRequest request)
        {
            var before = request.Handler.Method == "POST" ? fixture.Server.Snapshot() : null;
            using var response = request.Handler.Method == "POST"
                ? await client.PostFormAsync(request.Path, request.Form, token: token, withFile: true)
                : await client.GetAsync(request.Path);
            var body = await response.Content.ReadAsStringAsync();
            if (body.Contains(SweepFixture.MarkerB, StringComparison.Ordinal)) failures.Add($"{request}: the answer shows company B's data");
            var changed = before is null ? [] : fixture.Server.Snapshot().ChangedSince(before);
            return (response.StatusCode, body, changed);
        }

        foreach (var handler in fixture.Handlers)
        {
            if (!handler.RouteValues.Any(f => f.Name == "companyId"))
            {
                tries += await OutsideCompanyAsync(handler, client, token, failures);
                continue;
            }

            var a = handler.Method == "POST" ? await fixture.NewIdsAsync(fixture.CompanyA) : pageIds;
            var ids = FormFiller.Ids(handler);
            var mixes = new List<(string Label, PortalField? Only, Func<PortalField, IdKind, string> Id)> { ("all of B's ids", null, (_, k) => fixture.B[k]) };
            if (ids.Count > 1) mixes.AddRange(ids.Select(x => ($"B's {x.Field.Name}", (PortalField?)x.Field, (Func<PortalField, IdKind, string>)((f, k) => f == x.Field ? fixture.B[k] : a[k]))));
            foreach (var (label, only, idFor) in mixes)
            {
                var request = FormFiller.Build(handler, idFor, fixture.Next());
                var (status, body, changed) = await SendAsync(request);
                tries++;
                if (changed.Count > 0) failures.Add($"{request} ({label}) changed {string.Join(", ", changed)}");
                var refused = status == HttpStatusCode.NotFound || (status == HttpStatusCode.Forbidden && IsStaffOnly(handler));
                if (!refused && only is { FromRoute: false } reference && reference.Name.Contains('.', StringComparison.Ordinal))
                {
                    // A reference inside a form (the new work order's site) is refused exactly as a site that does not exist.
                    var missing = FormFiller.Build(handler, (f, k) => f == reference ? "999999999" : a[k], fixture.Next());
                    var (missingStatus, missingBody, missingChanged) = await SendAsync(missing);
                    refused = missingStatus == status && missingChanged.Count == 0 && PortalSession.Messages(missingBody) == PortalSession.Messages(body) && PortalSession.Messages(body).Length > 0;
                    output.WriteLine($"{request} ({label}): {(int)status} '{PortalSession.Messages(body)}', as for a missing id: {refused}");
                }
                else
                {
                    output.WriteLine($"{request} ({label}): {(int)status}");
                }

                if (!refused) failures.Add($"{request} ({label}): {(int)status}, expected 404{(IsStaffOnly(handler) ? " or 403" : "")}");
            }

            // Filters of a list page with B's ids: the list is empty of B's things (checked by the marker), never an error page.
            foreach (var filter in handler.Fields.Where(f => FormFiller.FilterKindOf(handler, f) is not null))
            {
                var request = FormFiller.Build(handler, (_, k) => a[k], fixture.Next());
                request = request with { Path = $"{request.Path}{(request.Path.Contains('?', StringComparison.Ordinal) ? "&" : "?")}{filter.Name}={fixture.B[FormFiller.FilterKindOf(handler, filter)!.Value]}" };
                var (status, _, _) = await SendAsync(request);
                tries++;
                if (status != HttpStatusCode.OK) failures.Add($"{request} (B's id as a filter): {(int)status}, expected 200 with nothing of B's");
            }

            // The control: A's own ids are accepted, so the 404s above are B's ids being refused and nothing else.
            var own = FormFiller.Build(handler, (_, k) => a[k], fixture.Next());
            var (ownStatus, ownBody, _) = await SendAsync(own);
            controls++;
            var expected = handler.Method == "GET" ? ownStatus == HttpStatusCode.OK
                : IsStaffOnly(handler) ? ownStatus == HttpStatusCode.Forbidden
                : (int)ownStatus < 400;
            output.WriteLine($"  control {own}: {(int)ownStatus}");
            if (!expected)
            {
                failures.Add($"control {own} with A's own ids: {(int)ownStatus}{(IsStaffOnly(handler) ? ", expected 403 (staff only)" : "")} {PortalSession.Messages(ownBody)}");
            }
        }

        ReliabilityLog.Record("Tenancy", "portal: company A's user with company B's ids on every page and form (generated from the app's pages)", tries, failures.Count,
            $"{fixture.Handlers.Count} page handlers; B's ids all at once and one at a time: 404 (403 for the {StaffOnly.Count} staff-only work-order actions), " +
            $"no change, B's data never shown; {controls} controls with A's own ids accepted; staff list /companies redirects a client to its own company");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>Pages outside a company: what each does for a client user. A page not listed here fails the sweep.</summary>
    private async Task<int> OutsideCompanyAsync(PortalHandler handler, PortalSession client, string token, List<string> failures)
    {
        var own = $"/companies/{fixture.CompanyA}";
        switch (handler.ToString())
        {
            case "GET /portal":
                await ExpectRedirectAsync(await client.GetAsync("/portal"), "/portal", own, failures);
                return 1;
            case "GET /companies":
                // The staff list of companies: a client user is sent to its own company, also when it asks for B's.
                await ExpectRedirectAsync(await client.GetAsync("/companies"), "/companies", own, failures);
                await ExpectRedirectAsync(await client.GetAsync($"/companies?go={fixture.CompanyB}"), "/companies?go=B", own, failures);
                return 2;
            case "POST /companies":
            {
                var before = fixture.Server.Snapshot();
                using var response = await client.PostFormAsync("/companies", new() { ["name"] = "Client-made company" }, token: token);
                if (response.StatusCode != HttpStatusCode.NotFound) failures.Add($"POST /companies as a client: {(int)response.StatusCode}, expected 404");
                if (fixture.Server.Snapshot().ChangedSince(before) is { Count: > 0 } changed) failures.Add($"POST /companies as a client changed {string.Join(", ", changed)}");
                output.WriteLine($"POST /companies as a client: {(int)response.StatusCode}");
                return 1;
            }

            case "GET /login" or "POST /login" or "GET /logout" or "POST /logout" or "GET /error":
                return 0; // no company data
            default:
                failures.Add($"{handler} [{handler.Page}] is outside any company and has no tenancy expectation in this sweep");
                return 0;
        }
    }

    private async Task ExpectRedirectAsync(HttpResponseMessage response, string what, string to, List<string> failures)
    {
        using (response)
        {
            output.WriteLine($"GET {what} as a client: {(int)response.StatusCode} → {response.Headers.Location}");
            if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != to)
            {
                failures.Add($"GET {what} as a client: {(int)response.StatusCode} to {response.Headers.Location}, expected a redirect to {to}");
            }

            if ((await response.Content.ReadAsStringAsync()).Contains(SweepFixture.MarkerB, StringComparison.Ordinal)) failures.Add($"GET {what} shows company B's data");
        }
    }
}
