using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TechLink.Testing;
using Xunit.Abstractions;

namespace TechLink.Security.Tests.Accounts;

/// <summary>
/// Usernames are unique across the platform (they are the login), so a taken one must be refused; the refusal must not
/// tell company B that a name belongs to company A or to TechLink staff: one neutral answer, the same for every taken
/// name (its own company's included), never echoing the name, and only a few of them per company before 429.
/// </summary>
public abstract class UsernameDisclosureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ConflictLimit = 4;
    private AccountsServer _server = null!;

    protected abstract string ProviderName { get; }

    protected abstract Task<string?> ConnectionStringAsync();

    public async Task InitializeAsync() => _server = AccountsServer.Start(await ConnectionStringAsync(), new Dictionary<string, string>
    {
        ["TechLink:Accounts:UsernameConflictsPerCompany"] = ConflictLimit.ToString(CultureInfo.InvariantCulture),
        ["TechLink:Accounts:UsernameConflictWindow"] = "01:00:00",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CreateUser_WithATakenUsername_AnswersOneNeutralConflict_WithoutNamingIt_ThenIsRateLimited()
    {
        using var staff = _server.Staff();
        using var a = await CompanyClientAsync(staff, "Usernames A");
        using var b = await CompanyClientAsync(staff, "Usernames B");
        var ofA = "ops." + Guid.NewGuid().ToString("N")[..8];
        var ofB = "own." + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(a, ofA)).Status);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(b, ofB)).Status);
        await _server.CreateStaffUserAsync("staff", "Staff-pass-123");

        // Company B tries company A's name, the staff account's (in two spellings) and its own user's name.
        var taken = new[] { ofA, "staff", "STAFF", ofB };
        var answers = new List<(string Name, HttpStatusCode Status, string Body)>();
        foreach (var name in taken) answers.Add(await CreateAsync(b, name));

        var failures = new List<string>();
        foreach (var (name, status, body) in answers)
        {
            output.WriteLine($"{name}: {(int)status} {body}");
            if (status != HttpStatusCode.Conflict) failures.Add($"{name}: {(int)status}, expected 409");
            if (body.Contains(name, StringComparison.OrdinalIgnoreCase)) failures.Add($"{name}: the answer names it: {body}");
            if (body.Contains("taken", StringComparison.OrdinalIgnoreCase) || body.Contains("another company", StringComparison.OrdinalIgnoreCase) || body.Contains("staff", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{name}: the answer says whose it is: {body}");
            }

            if (body != answers[0].Body) failures.Add($"{name}: the answer differs from {answers[0].Name}'s: {body} vs {answers[0].Body}");
        }

        // The company's allowance of refused names is used up: every create answers 429 until Retry-After, even a free
        // name (else the 429 itself would tell taken from free); another company is not held back.
        var limited = await PostAsync(b, "users", new { username = "free." + Guid.NewGuid().ToString("N")[..8], password = "Fresh-pass-123" });
        if (limited.StatusCode != HttpStatusCode.TooManyRequests || limited.Headers.RetryAfter?.Delta is not { } retryAfter || retryAfter <= TimeSpan.Zero)
        {
            failures.Add($"create after {ConflictLimit} refused names answered {(int)limited.StatusCode} (Retry-After {limited.Headers.RetryAfter}), expected 429 with Retry-After");
        }

        var other = await CreateAsync(a, "free." + Guid.NewGuid().ToString("N")[..8]);
        if (other.Status != HttpStatusCode.Created) failures.Add($"company A, a free name, after B was limited: {(int)other.Status} {other.Body}");

        ReliabilityLog.Record("Hostile review, round two",
            $"user creation by company B with company A's username, the staff account's ('staff', 'STAFF') and its own user's, then past the limit ({ProviderName})",
            taken.Length + 2, failures.Count,
            $"{taken.Length} taken names: one identical 409 (\"{Detail(answers[0].Body)}\"), no name echoed, no owner named; " +
            $"after {ConflictLimit} refused names company B answered {(int)limited.StatusCode} with Retry-After {limited.Headers.RetryAfter?.Delta?.TotalSeconds} s; company A still created");
        limited.Dispose();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private async Task<HttpClient> CompanyClientAsync(HttpClient staff, string name)
    {
        using var company = await PostAsync(staff, "companies", new { name });
        var id = (await Json(company)).GetProperty("company_id").GetString()!;
        using var key = await PostAsync(staff, $"companies/{id}/api-keys", new { name = "erp" });
        return _server.Api((await Json(key)).GetProperty("key").GetString()!);
    }

    private static async Task<(string Name, HttpStatusCode Status, string Body)> CreateAsync(HttpClient client, string userName)
    {
        using var response = await PostAsync(client, "users", new { username = userName, first_name = "New", last_name = "User", email = "", phone = "", password = "Fresh-pass-123" });
        // The trace id differs per request by design; everything else must be the same bytes.
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject;
        body?.Remove("trace_id");
        return (userName, response.StatusCode, body?.ToJsonString() ?? "");
    }

    private static string Detail(string body) => JsonNode.Parse(body)?["detail"]?.GetValue<string>() ?? "";

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body) => client.PostAsJsonAsync(path, body);

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

public sealed class UsernameDisclosureSqliteTests(ITestOutputHelper output) : UsernameDisclosureTests(output)
{
    protected override string ProviderName => "SQLite";

    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class UsernameDisclosurePostgresTests(PostgresFixture postgres, ITestOutputHelper output) : UsernameDisclosureTests(output)
{
    protected override string ProviderName => "PostgreSQL";

    protected override async Task<string?> ConnectionStringAsync() => await postgres.Cluster.CreateDatabaseAsync("usernames");
}
