using System.Net;
using TechLink.Testing;

namespace TechLink.Portal.Tests.Sweep;

/// <summary>
/// A request to a handler no page has (<c>?handler=Nope</c>), signed in and with a valid antiforgery token, on every
/// page of the app: 404, never a 500, and nothing changes.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class UnknownHandlerPortalTests(SweepFixture fixture)
{
    [Fact]
    public async Task EveryPage_HandlerThatDoesNotExist_Answers404WithAValidTokenAndChangesNothing()
    {
        var pages = fixture.Handlers.Where(h => h.Method == "GET" && h.Page != "/Account/Login").ToList();
        using var staff = await fixture.Server.LogInAsync(SweepFixture.StaffUser);
        var token = await staff.TokenAsync("/companies") ?? throw new InvalidOperationException("no token");
        var ids = await fixture.NewIdsAsync(fixture.CompanyA);
        var failures = new List<string>();
        var tries = 0;
        foreach (var get in pages)
        {
            var path = FormFiller.Build(get, (_, kind) => ids[kind], 0).Path;
            var nope = path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "handler=Nope";
            var before = fixture.Server.Snapshot();
            using (var posted = await staff.PostFormAsync(nope, new() { ["title"] = "x" }, token: token))
            {
                tries++;
                if (posted.StatusCode != HttpStatusCode.NotFound) failures.Add($"POST {nope} with a valid token: {(int)posted.StatusCode}, expected 404");
            }

            using (var got = await staff.GetAsync(nope))
            {
                tries++;
                if (got.StatusCode != HttpStatusCode.NotFound) failures.Add($"GET {nope}: {(int)got.StatusCode}, expected 404");
            }

            if (fixture.Server.Snapshot().ChangedSince(before) is { Count: > 0 } changed) failures.Add($"{nope} changed {string.Join(", ", changed)}");
        }

        ReliabilityLog.Record("Hostile review, round two", "portal: GET and POST (valid antiforgery token) to a handler that does not exist, every page, signed in as staff",
            tries, failures.Count, $"{pages.Count} pages; expected 404 and no change");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
