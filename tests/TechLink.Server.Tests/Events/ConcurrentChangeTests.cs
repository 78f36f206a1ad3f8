using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TechLink.Server.Tests.Hostile;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// Read-modify-write actions sent in parallel to one object: each accepted change writes exactly the events of what it
/// did to the state it really found (a status change's old status is the previous change's new one), the last event of
/// an object is the object as a GET answers it, and a change that lost the race is retried or answered 409, never 500.
/// </summary>
public abstract class ConcurrentChangeTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private const string Area = "Hostile review, round two";
    private const int Parallel = 10;

    /// <summary>Ten codes of the status table, none of them the new work order's 10, so every accepted one is a change.</summary>
    private static readonly string[] Codes = ["20", "22", "26", "28", "30", "40", "50", "55", "60", "72"];

    private string Database => Answers.Database(App.Provider);

    [Fact]
    public async Task StatusChange_TenInParallel_EveryAcceptedChangeIsOneEventAndTheEventsChainToTheStoredStatus()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();

        var answers = await InParallelAsync(Codes.Select(code => (Func<Task<HttpResponseMessage>>)(() =>
            tenant.Staff.PostAsJsonAsync($"/api/v1/workorders/{wo}/status", new { status_code = code }))));

        var failures = await RefusalsAsync(answers);
        var accepted = Codes.Where((_, i) => answers[i].StatusCode == HttpStatusCode.OK).ToList();
        var events = await StatusEventsAsync(tenant, wo, since);
        var stored = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}")).Str("status_code");
        failures.AddRange(ChainBreaks(events.Select(e => (e.Str("old_status_code"), e.Str("new_status_code"))).ToList(), "10", stored));
        if (events.Count != accepted.Count) failures.Add($"{accepted.Count} changes answered 200 but {events.Count} status change events were written");
        var eventCodes = events.Select(e => e.Str("new_status_code")).Order(StringComparer.Ordinal);
        if (!eventCodes.SequenceEqual(accepted.Order(StringComparer.Ordinal))) failures.Add($"accepted [{string.Join(',', accepted)}], events moved to [{string.Join(',', eventCodes)}]");

        // The timeline is written by the same change: it must tell the same history.
        var timeline = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/timeline")).Items().Skip(1)
            .Select(t => (t.Str("old_status_code"), t.Str("new_status_code"))).ToList();
        failures.AddRange(ChainBreaks(timeline, "10", stored).Select(f => "timeline: " + f));

        ReliabilityLog.Record(Area, $"{Parallel} parallel status changes of one work order through the API ({Database})", Parallel, failures.Count,
            $"{accepted.Count} answered 200, {answers.Count(a => a.StatusCode == HttpStatusCode.Conflict)} answered 409; {events.Count} status change events, " +
            "each old status the previous new one, the last the stored status");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.NotEmpty(accepted);
    }

    [Fact]
    public async Task LifecycleActions_InParallel_StatusEventsStillChainToTheStoredStatus()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var since = await tenant.LastEventIdAsync();
        var path = $"/api/v1/workorders/{wo}";
        var actions = new Func<Task<HttpResponseMessage>>[]
        {
            () => tenant.Staff.PostAsJsonAsync($"{path}/status", new { status_code = "20" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/status", new { status_code = "50" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/schedule", new { start = "2026-12-01 09:00:00" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/assign", new { tech_name = "Jane", tech_phone = "555" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/check-in", new { tech_name = "John", tech_phone = "555" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/check-out", new { disposition = "complete" }),
            () => tenant.Staff.PostAsync($"{path}/close", null),
            () => tenant.Client.PostAsync($"{path}/cancel", null),
            () => tenant.Client.PatchAsJsonAsync(path, new { title = "Renamed in the race" }),
            () => tenant.Staff.PostAsJsonAsync($"{path}/status", new { status_code = "90" }),
        };

        var answers = await InParallelAsync(actions);

        var failures = await RefusalsAsync(answers);
        var events = await StatusEventsAsync(tenant, wo, since);
        var stored = (await tenant.Client.GetJsonAsync(path)).Str("status_code");
        failures.AddRange(ChainBreaks(events.Select(e => (e.Str("old_status_code"), e.Str("new_status_code"))).ToList(), "10", stored));
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task SitePatch_TenFieldsInParallel_LastSiteUpdatedEventIsTheStoredSite()
    {
        var tenant = await App.NewTenantAsync();
        var site = $"/api/v1/sites/{(await tenant.CreateSiteAsync()).Str("site_id")}";
        string[] fields = ["name", "site_number", "address1", "address2", "city", "state", "postal_code", "country", "phone", "contact_name"];
        await AssertLastEventIsStoredAsync(tenant, "site updated", null, [.. fields.Select(f => (f, "v-" + f))],
            body => tenant.Client.PatchAsJsonAsync(site, body), () => tenant.Client.GetJsonAsync(site));
    }

    [Fact]
    public async Task WorkOrderPatch_FieldsInParallel_LastUpdatedEventIsTheStoredWorkOrder()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        await AssertLastEventIsStoredAsync(tenant, "work order updated", wo, [("title", "t-2"), ("description", "d-2"), ("client_reference", "r-2"), ("priority", "urgent")],
            body => tenant.Client.PatchAsJsonAsync($"/api/v1/workorders/{wo}", body), () => tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}"));
    }

    [Fact]
    public async Task TaskPatch_FieldsInParallel_LastUpdatedEventIsTheStoredTask()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var task = (await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Mount the screen" }, HttpStatusCode.Created)).Str("task_id");
        await AssertLastEventIsStoredAsync(tenant, "work order task updated", wo,
            [("title", "t-2"), ("description", "d-2"), ("due", "2026-12-24T17:00:00Z"), ("status", "completed")],
            body => tenant.Client.PatchAsJsonAsync($"/api/v1/workorders/{wo}/tasks/{task}", body),
            async () => (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items().Single(t => t.Str("task_id") == task));
    }

    [Fact]
    public async Task UserPatch_FieldsInParallel_NoneRefusedAsBadInputAndLastEventIsTheStoredUser()
    {
        var tenant = await App.NewTenantAsync();
        var user = $"/api/v1/users/{(await tenant.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..10] }, HttpStatusCode.Created)).Str("user_id")}";
        await AssertLastEventIsStoredAsync(tenant, "account updated", null, [("first_name", "Ada"), ("last_name", "Lovelace"), ("email", "ada@example.com"), ("phone", "555-0199")],
            body => tenant.Client.PatchAsJsonAsync(user, body), () => tenant.Client.GetJsonAsync(user));
    }

    [Fact]
    public async Task QuestionAnswer_TenInParallel_LastAnsweredEventIsTheStoredQuestion()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var question = (await tenant.Staff.PostJsonAsync($"/api/v1/workorders/{wo}/questions", new { question = "Cables tidied?" }, HttpStatusCode.Created)).Str("question_id");
        var path = $"/api/v1/workorders/{wo}/questions/{question}";
        var since = await tenant.LastEventIdAsync();
        var answers = await InParallelAsync(Enumerable.Range(0, Parallel).Select(i => (Func<Task<HttpResponseMessage>>)(() =>
            tenant.Staff.PutAsJsonAsync($"{path}/answer", new { answer = $"answer {i}" }))));
        var failures = await RefusalsAsync(answers);
        var events = (await tenant.EventsAsync(since, $"workorder_id={wo}")).Where(e => e.Str("type") == "work order question answered").ToList();
        var stored = (await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/questions")).Items().Single(q => q.Str("question_id") == question);
        if (events.Count != answers.Count(a => a.StatusCode == HttpStatusCode.OK)) failures.Add($"{answers.Count(a => a.IsSuccessStatusCode)} answers accepted, {events.Count} events");
        if (events.Count > 0 && !Json.JsonEquals(stored, events[^1].GetProperty("payload").GetProperty("data"))) failures.Add($"last event {events[^1].GetProperty("payload")} is not the stored {stored}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task TaskDelete_TenInParallel_OneDeletesWithOneEventAndTheRestAnswer404()
    {
        var tenant = await App.NewTenantAsync();
        var wo = await tenant.NewWorkOrderIdAsync();
        var task = (await tenant.Client.PostJsonAsync($"/api/v1/workorders/{wo}/tasks", new { title = "Remove old till" }, HttpStatusCode.Created)).Str("task_id");
        var since = await tenant.LastEventIdAsync();

        var answers = await InParallelAsync(Enumerable.Range(0, Parallel).Select(_ => (Func<Task<HttpResponseMessage>>)(() =>
            tenant.Client.DeleteAsync($"/api/v1/workorders/{wo}/tasks/{task}"))));

        var failures = new List<string>();
        foreach (var answer in answers)
        {
            var (faults, _) = await Answers.CheckAsync(answer);
            failures.AddRange(faults.Select(f => "DELETE: " + f));
        }

        var statuses = answers.Select(a => (int)a.StatusCode).Order().ToList();
        var deleted = statuses.Count(s => s == 204);
        if (deleted != 1 || statuses.Count(s => s == 404) != Parallel - 1) failures.Add($"expected one 204 and {Parallel - 1} × 404, got [{string.Join(',', statuses)}]");
        var events = (await tenant.EventsAsync(since, $"workorder_id={wo}")).Where(e => e.Str("type") == "work order task deleted").ToList();
        if (events.Count != 1) failures.Add($"{events.Count} 'task deleted' events for one deleted task");
        Assert.Empty((await tenant.Client.GetJsonAsync($"/api/v1/workorders/{wo}/tasks")).Items());

        ReliabilityLog.Record(Area, $"{Parallel} parallel DELETEs of one task through the API ({Database})", Parallel, statuses.Count(s => s >= 500) + Math.Abs(events.Count - 1),
            $"answers [{string.Join(',', statuses)}]; {events.Count} 'task deleted' event(s)");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>
    /// Sends one PATCH per field at once; then every accepted one wrote one event, none was lost (its value is stored),
    /// and the last event's data is exactly what a GET answers now.
    /// </summary>
    private static async Task AssertLastEventIsStoredAsync(Tenant tenant, string eventType, string? workOrder, (string Field, string Value)[] patches,
        Func<Dictionary<string, string>, Task<HttpResponseMessage>> send, Func<Task<JsonElement>> read)
    {
        var since = await tenant.LastEventIdAsync();
        var answers = await InParallelAsync(patches.Select(p => (Func<Task<HttpResponseMessage>>)(() => send(new() { [p.Field] = p.Value }))));
        var failures = await RefusalsAsync(answers);
        var events = (await tenant.EventsAsync(since, workOrder is null ? null : $"workorder_id={workOrder}")).Where(e => e.Str("type") == eventType).ToList();
        var stored = await read();
        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        if (events.Count != accepted) failures.Add($"{accepted} changes answered 200, {events.Count} '{eventType}' events written");
        if (events.Count > 0 && !Json.JsonEquals(stored, events[^1].GetProperty("payload").GetProperty("data")))
        {
            failures.Add($"the last '{eventType}' event is not the stored object.\nevent:  {events[^1].GetProperty("payload").GetProperty("data")}\nstored: {stored}");
        }

        var lost = patches.Where((p, i) => answers[i].StatusCode == HttpStatusCode.OK && stored.GetProperty(p.Field).GetString() != p.Value).Select(p => p.Field).ToList();
        if (lost.Count > 0) failures.Add($"accepted changes of [{string.Join(',', lost)}] are not stored: {stored}");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(accepted > 0, "no change was accepted at all");
    }

    /// <summary>Starts every request at the same moment (they wait on one gate) and answers their responses in order.</summary>
    private static async Task<IReadOnlyList<HttpResponseMessage>> InParallelAsync(IEnumerable<Func<Task<HttpResponseMessage>>> requests)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = requests.Select(r => Task.Run(async () =>
        {
            await gate.Task;
            return await r();
        })).ToList();
        gate.SetResult();
        return await Task.WhenAll(running);
    }

    /// <summary>The answers that break the rules: a 5xx, a non-problem refusal, or a refusal other than 409 (a lost race).</summary>
    private static async Task<List<string>> RefusalsAsync(IReadOnlyList<HttpResponseMessage> answers)
    {
        var failures = new List<string>();
        foreach (var answer in answers)
        {
            var where = $"{answer.RequestMessage?.Method} {answer.RequestMessage?.RequestUri?.PathAndQuery}";
            var (faults, problem) = await Answers.CheckAsync(answer);
            failures.AddRange(faults.Select(f => $"{where}: {f}"));
            if (answer.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Conflict) && faults.Count == 0) failures.Add($"{where}: answered {(int)answer.StatusCode}: {problem}");
        }

        return failures;
    }

    private static async Task<IReadOnlyList<JsonElement>> StatusEventsAsync(Tenant tenant, string workOrder, string since) =>
        [.. (await tenant.EventsAsync(since, $"workorder_id={workOrder}&type={Uri.EscapeDataString("work order status change")}")).Select(e => e.GetProperty("payload"))];

    /// <summary>Where the steps fail to form one chain from <paramref name="first"/> to <paramref name="last"/>.</summary>
    private static IEnumerable<string> ChainBreaks(IReadOnlyList<(string Old, string New)> steps, string first, string last)
    {
        var expectedOld = first;
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Old != expectedOld) yield return string.Create(CultureInfo.InvariantCulture, $"step {i + 1} says {steps[i].Old} → {steps[i].New}, but the status was {expectedOld}");
            expectedOld = steps[i].New;
        }

        if (expectedOld != last) yield return $"the steps end in {expectedOld}, the work order is {last}";
    }
}

public sealed class ConcurrentChangeTestsSqlite(AppFixture fixture) : ConcurrentChangeTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ConcurrentChangeTestsPostgres(AppFixture fixture, PostgresFixture postgres) : ConcurrentChangeTests(fixture, postgres), IClassFixture<AppFixture>;
