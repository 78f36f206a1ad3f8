using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Accounts;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;
using TechLink.Webhooks;

namespace TechLink.Server.Tests.Accounts;

/// <summary>
/// <see cref="UserService"/> called directly, as the portal calls it: a success commits the user with its event, its
/// delivery and its audit entry; a refusal leaves nothing of the action, even what Identity had already written.
/// </summary>
public abstract class UserServiceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private async Task<(Tenant Tenant, Caller Caller)> TenantWithWebhookAsync()
    {
        var tenant = await App.NewTenantAsync();
        await tenant.CreateWebhookAsync("(any webhooks)", new Uri("http://127.0.0.1:9/never"), enabled: true);
        return (tenant, new Caller(false, long.Parse(tenant.CompanyId, CultureInfo.InvariantCulture), "tests"));
    }

    /// <param name="scopedTo">A client caller: the scope's DbContext is scoped to its company, as its request's is.</param>
    private async Task<T> WithServiceAsync<T>(Func<UserService, Task<T>> work, Caller? scopedTo = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        if (scopedTo is not null) TenancyScope.Apply(scope.ServiceProvider.GetRequiredService<TechLinkDbContext>(), scopedTo);
        return await work(scope.ServiceProvider.GetRequiredService<UserService>());
    }

    private async Task<string?> PasswordHashAsync(string userId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var id = long.Parse(userId, CultureInfo.InvariantCulture);
        return await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.PasswordHash).SingleAsync();
    }

    private static async Task<IReadOnlyList<JsonElement>> AuditOfAsync(Tenant tenant, string userId) =>
        [.. (await tenant.Client.GetJsonAsync("/api/v1/audit?limit=1000")).Items().Where(e => e.Str("target_type") == "user" && e.Str("target_id") == userId)];

    [Fact]
    public async Task CreateAsync_Accepted_CommitsUserEventDeliveryAndAuditEntry()
    {
        var (tenant, caller) = await TenantWithWebhookAsync();
        var since = await tenant.LastEventIdAsync();
        var deliveries = (await tenant.DeliveriesAsync()).Count;
        var name = "u" + Guid.NewGuid().ToString("N")[..8];

        var outcome = await WithServiceAsync(s => s.CreateAsync(caller, new CreateUserRequest(null, name, "Ann", "Lee", null, null, null), CancellationToken.None));

        Assert.True(outcome.Succeeded);
        var user = await tenant.Client.GetJsonAsync($"/api/v1/users/{outcome.Value.UserId}");
        Assert.Equal(name, user.Str("username"));
        Assert.Equal(tenant.CompanyId, user.Str("company_id"));
        var created = Assert.Single(await tenant.EventsAsync(since));
        Assert.Equal(TechLinkEventTypes.AccountCreated, created.Str("type"));
        Assert.Equal(deliveries + 1, (await tenant.DeliveriesAsync()).Count);
        Assert.Equal(["user.created"], (await AuditOfAsync(tenant, outcome.Value.UserId)).Select(e => e.Str("action")));
    }

    [Fact]
    public async Task UpdateAsync_NewPasswordRefusedAfterTheOldWasRemoved_NothingOfTheUpdateStays()
    {
        var (tenant, caller) = await TenantWithWebhookAsync();
        var id = (await tenant.Client.PostJsonAsync("/api/v1/users",
            new { username = "u" + Guid.NewGuid().ToString("N")[..8], first_name = "Ann", password = "Initial-password-1" }, HttpStatusCode.Created)).Str("user_id");
        var hash = await PasswordHashAsync(id);
        var since = await tenant.LastEventIdAsync();
        var deliveries = (await tenant.DeliveriesAsync()).Count;
        var entries = (await AuditOfAsync(tenant, id)).Count;

        // Identity saves the user without its old password before it validates the new one; the refusal must undo that.
        var outcome = await WithServiceAsync(s => s.UpdateAsync(caller, id, new UpdateUserRequest("Changed", null, null, null, null, "short"), CancellationToken.None));

        Assert.False(outcome.Succeeded);
        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, outcome.Refusal!.Status);
        Assert.Contains("password", outcome.Refusal.Errors.Keys);
        Assert.Equal("Ann", (await tenant.Client.GetJsonAsync($"/api/v1/users/{id}")).Str("first_name"));
        Assert.NotNull(hash);
        Assert.Equal(hash, await PasswordHashAsync(id));
        Assert.Empty(await tenant.EventsAsync(since));
        Assert.Equal(deliveries, (await tenant.DeliveriesAsync()).Count);
        Assert.Equal(entries, (await AuditOfAsync(tenant, id)).Count);
    }

    [Fact]
    public async Task UpdateAsync_AnotherCompanysUser_NotFoundAndUnchanged()
    {
        var (tenant, _) = await TenantWithWebhookAsync();
        var (_, other) = await TenantWithWebhookAsync();
        var id = (await tenant.Client.PostJsonAsync("/api/v1/users", new { username = "u" + Guid.NewGuid().ToString("N")[..8], first_name = "Ann" }, HttpStatusCode.Created)).Str("user_id");

        var outcome = await WithServiceAsync(s => s.UpdateAsync(other, id, new UpdateUserRequest("Taken over", null, null, null, null, null), CancellationToken.None), scopedTo: other);

        Assert.True(outcome.Refusal!.IsNotFound);
        Assert.Equal("Ann", (await tenant.Client.GetJsonAsync($"/api/v1/users/{id}")).Str("first_name"));
    }
}

public sealed class UserServiceTestsSqlite(AppFixture fixture) : UserServiceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class UserServiceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : UserServiceTests(fixture, postgres), IClassFixture<AppFixture>;
