using System.Net;
using System.Net.Http.Json;
using TechLink.Server.Tests.Hostile;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// A site-local <c>start</c> whose instant the server cannot hold (after 9999-12-31 or before 0001-01-01 UTC once the
/// site's offset applies) is the caller's mistake: 400 naming <c>start</c>, nothing written. Starts are taken in the
/// years 0002 to 9998, so that what is stored can be shown in the site's zone, whichever zone that becomes.
/// </summary>
public abstract class ScheduleRangeTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Theory]
    [InlineData("America/Los_Angeles", "9999-12-31 23:59:59")]
    [InlineData("Europe/Berlin", "0001-01-01 00:00:00")]
    [InlineData("Asia/Tokyo", "0001-01-01 08:59:59")]
    [InlineData("Pacific/Kiritimati", "9999-12-31 13:59:59")]
    public async Task Schedule_LocalTimeWhoseInstantIsOutOfRange_Answers400OnStartAndWritesNothing(string timezone, string start)
    {
        var tenant = await App.NewTenantAsync();
        var wo = (await tenant.CreateWorkOrderAsync((await tenant.CreateSiteAsync(timezone)).Str("site_id"))).Str("workorder_id");
        var before = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}");
        var since = await tenant.LastEventIdAsync();

        using var response = await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start });

        var (faults, _) = await Answers.CheckAsync(response);
        ReliabilityLog.Record("Hostile review, round two", $"schedule a site-local start out of range once converted to UTC ({start}, {timezone}, {Answers.Database(App.Provider)})",
            1, faults.Count, $"answered {(int)response.StatusCode}");
        Assert.True(faults.Count == 0, string.Join('\n', faults));
        await response.AssertValidationAsync("start");
        Json.AssertJsonEqual(before, await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"));
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Theory]
    [InlineData("America/Los_Angeles", "9998-12-31 23:59:59")]
    [InlineData("Pacific/Kiritimati", "9998-12-31 23:59:59")]
    [InlineData("Europe/Berlin", "0002-01-01 00:00:00")]
    [InlineData("Asia/Tokyo", "0002-01-01 00:00:00")]
    public async Task Schedule_ExtremeLocalTimeInRange_IsStoredAndShownAsGiven(string timezone, string start)
    {
        var tenant = await App.NewTenantAsync();
        var wo = (await tenant.CreateWorkOrderAsync((await tenant.CreateSiteAsync(timezone)).Str("site_id"))).Str("workorder_id");
        var since = await tenant.LastEventIdAsync();

        var answer = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start }, HttpStatusCode.OK);

        Assert.Equal(start, answer.Str("scheduled_start"));
        Assert.Equal(start, (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}")).Str("scheduled_start"));
        var scheduled = Assert.Single(await tenant.EventsAsync(since), e => e.Str("type") == "work order scheduled");
        Assert.Equal(start, scheduled.GetProperty("payload").Str("start"));
    }

    [Theory]
    [InlineData("America/Los_Angeles", "9998-12-31 23:59:59", "Pacific/Kiritimati")]
    [InlineData("Pacific/Kiritimati", "0002-01-01 00:00:00", "Pacific/Pago_Pago")]
    public async Task SiteTimeZoneChange_AfterAnExtremeStart_WorkOrderStillShows(string timezone, string start, string newZone)
    {
        var tenant = await App.NewTenantAsync();
        var site = (await tenant.CreateSiteAsync(timezone)).Str("site_id");
        var wo = (await tenant.CreateWorkOrderAsync(site)).Str("workorder_id");
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start }, HttpStatusCode.OK);

        await tenant.Client.PatchJsonAsync($"/api/v1/sites/{site}", new { timezone = newZone });

        var shown = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}")).Str("scheduled_start");
        Assert.NotEqual(start, shown);
        Assert.Single((await tenant.Client.GetJsonAsync($"/api/v1/workorders?site_id={site}")).Items());
    }
}

public sealed class ScheduleRangeTestsSqlite(AppFixture fixture) : ScheduleRangeTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ScheduleRangeTestsPostgres(AppFixture fixture, PostgresFixture postgres) : ScheduleRangeTests(fixture, postgres), IClassFixture<AppFixture>;
