using System.Net;
using System.Net.Http.Json;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Server.WorkOrders;
using TechLink.Testing;

namespace TechLink.Server.Tests.Api;

/// <summary>
/// The action routes follow the status (issue 15): an action the status does not allow answers 409 problem details naming
/// the allowed ones and changes nothing; <c>POST /status</c> stays the staff override; Schedule and Assign move the status.
/// </summary>
public abstract class WorkOrderRulesTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    [Fact]
    public async Task CheckIn_OnAClosedOrder_Answers409NamingTheAllowedActions_AndChangesNothing()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/close", null, HttpStatusCode.OK);
        var before = await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}");
        var since = await tenant.LastEventIdAsync();

        using var response = await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "John", tech_phone = "1" });

        var problem = await response.ReadAsync(HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("100 Closed", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal("100", problem.Str("status_code"));
        Assert.Empty(problem.GetProperty("allowed_actions").EnumerateArray());
        Json.AssertJsonEqual(before, await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"));
        Assert.Empty(await tenant.EventsAsync(since));
    }

    [Fact]
    public async Task CheckOut_BeforeCheckIn_Answers409WithTheActionsOfCreated()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();

        using var response = await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition = "complete" });

        var problem = await response.ReadAsync(HttpStatusCode.Conflict);
        Assert.Equal(["schedule", "assign", "check-in", "close", "cancel"], problem.GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("Allowed now: schedule, assign, check-in, close, cancel.", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnSite_OnlyCheckOutAndAssign_CloseAndCancelAnswer409()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "John", tech_phone = "1" }, HttpStatusCode.OK);

        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/close", null)).ReadAsync(HttpStatusCode.Conflict);
        await (await tenant.Client.PostAsync($"/api/v1/workorders/{wo}/cancel", null)).ReadAsync(HttpStatusCode.Conflict);
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/check-in", new { tech_name = "Jane", tech_phone = "2" })).ReadAsync(HttpStatusCode.Conflict);
        await (await tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start = "2026-12-01 09:00:00" })).ReadAsync(HttpStatusCode.Conflict);

        var outcome = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition = "return" }, HttpStatusCode.OK);
        Assert.Equal(("78", "Off Site / Return Trip Required"), (outcome.Str("status_code"), outcome.Str("status")));
    }

    [Fact]
    public async Task ScheduleAndAssign_MoveTheStatus_AndWriteStatusChanges()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();

        var assigned = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "John", tech_phone = "1" }, HttpStatusCode.OK);
        Assert.Equal(("40", "Assigned"), (assigned.Str("status_code"), assigned.Str("status")));
        var scheduled = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/schedule", new { start = "2026-12-01 09:00:00" }, HttpStatusCode.OK);
        Assert.Equal(("60", "Scheduled"), (scheduled.Str("status_code"), scheduled.Str("status")));
        // Assigning a scheduled order (another technician) leaves it Scheduled.
        var reassigned = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/assign", new { tech_name = "Jane", tech_phone = "2" }, HttpStatusCode.OK);
        Assert.Equal("60", reassigned.Str("status_code"));

        var changes = (await tenant.EventsAsync(since)).Where(e => e.Str("type") == "work order status change")
            .Select(e => e.GetProperty("payload")).Select(p => (p.Str("old_status_code"), p.Str("new_status_code")));
        Assert.Equal([("10", "40"), ("40", "60")], changes);
    }

    [Fact]
    public async Task StatusOverride_ReopensAClosedOrder_ThenTheActionsOfThatStatusApply()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/cancel", null, HttpStatusCode.OK);
        await (await tenant.Staff.PostAsync($"/api/v1/workorders/{wo}/cancel", null)).ReadAsync(HttpStatusCode.Conflict);

        await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = "70" }, HttpStatusCode.OK);
        var outcome = await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/check-out", new { disposition = "complete" }, HttpStatusCode.OK);
        Assert.Equal("76", outcome.Str("status_code"));
    }

    [Fact]
    public void Rules_EveryStatusOfTheTable_AllowsWhatItsPhaseAllows()
    {
        foreach (var status in WorkOrderStatuses.All)
        {
            var allowed = WorkOrderRules.Allowed(status.Code).Select(a => a.Route).ToList();
            var expected = status.Code switch
            {
                100 or 105 => [],
                70 => ["assign", "check-out"],
                76 or 80 or 90 or 92 or 95 => ["close", "cancel"],
                _ => new List<string> { "schedule", "assign", "check-in", "close", "cancel" },
            };
            Assert.True(expected.SequenceEqual(allowed), $"{status.Code}: {string.Join(",", allowed)}");
        }
    }
}

public sealed class WorkOrderRulesTestsSqlite(AppFixture fixture) : WorkOrderRulesTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class WorkOrderRulesTestsPostgres(AppFixture fixture, PostgresFixture postgres) : WorkOrderRulesTests(fixture, postgres), IClassFixture<AppFixture>;
