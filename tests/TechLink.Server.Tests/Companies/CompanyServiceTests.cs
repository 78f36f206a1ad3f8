using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Tests.Infrastructure;
using TechLink.Testing;

namespace TechLink.Server.Tests.Companies;

/// <summary>
/// <see cref="CompanyService"/> and <see cref="ApiKeyService"/> called directly: a success commits the row with its
/// audit entry; a refusal writes nothing; a revoked key stops working on this node at once.
/// </summary>
public abstract class CompanyServiceTests(AppFixture fixture, PostgresFixture? postgres) : ServerTest(fixture, postgres)
{
    private static readonly Caller Staff = new(true, null, "tests");

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private Task<int> CountAsync(Func<TechLinkDbContext, Task<int>> count) => InScopeAsync(sp => count(sp.GetRequiredService<TechLinkDbContext>()));

    [Fact]
    public async Task CreateAsync_Accepted_CommitsCompanyAndAuditEntry()
    {
        var name = "Company " + Guid.NewGuid().ToString("N")[..8];

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<CompanyService>().CreateAsync(Staff, new CompanyRequest(name), CancellationToken.None));

        Assert.True(outcome.Succeeded);
        var company = await App.Staff().GetJsonAsync($"/api/v1/companies/{outcome.Value.CompanyId}");
        Assert.Equal(name, company.Str("name"));
        var id = outcome.Value.CompanyId;
        Assert.Equal(1, await CountAsync(db => db.AuditEntries.CountAsync(a => a.Action == "company.created" && a.TargetId == id)));
    }

    [Fact]
    public async Task CreateAsync_NameTooLong_RefusedAndNothingWritten()
    {
        var name = new string('x', 201);

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<CompanyService>().CreateAsync(Staff, new CompanyRequest(name), CancellationToken.None));

        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, outcome.Refusal!.Status);
        Assert.Equal(["name"], outcome.Refusal.Errors.Keys);
        Assert.Equal(0, await CountAsync(db => db.Companies.CountAsync(c => c.Name == name)));
    }

    [Fact]
    public async Task RevokeAsync_Accepted_KeyRefusedAtOnceAndAudited()
    {
        var tenant = await App.NewTenantAsync();
        var key = await tenant.Staff.PostJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys", new { name = "doomed" }, HttpStatusCode.Created);
        using var client = App.WithKey(key.Str("key"));
        await client.GetJsonAsync("/api/v1/users"); // now cached as valid

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<ApiKeyService>().RevokeAsync(Staff, tenant.CompanyId, key.Str("api_key_id"), CancellationToken.None));

        Assert.True(outcome.Succeeded);
        Assert.NotNull(outcome.Value.RevokedAt);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative))).StatusCode);
        var keyId = key.Str("api_key_id");
        Assert.Equal(1, await CountAsync(db => db.AuditEntries.CountAsync(a => a.Action == "api_key.revoked" && a.TargetId == keyId)));
    }

    [Fact]
    public async Task RevokeAsync_KeyOfAnotherCompany_NotFoundAndKeyStillWorks()
    {
        var tenant = await App.NewTenantAsync();
        var other = await App.NewTenantAsync();
        var keyId = (await tenant.Staff.GetJsonAsync($"/api/v1/companies/{tenant.CompanyId}/api-keys")).Items()[0].Str("api_key_id");

        var outcome = await InScopeAsync(sp => sp.GetRequiredService<ApiKeyService>().RevokeAsync(Staff, other.CompanyId, keyId, CancellationToken.None));

        Assert.True(outcome.Refusal!.IsNotFound);
        await tenant.Client.GetJsonAsync("/api/v1/users");
        var id = long.Parse(keyId, CultureInfo.InvariantCulture);
        Assert.Equal(0, await CountAsync(db => db.ApiKeys.CountAsync(k => k.Id == id && k.RevokedAt != null)));
    }
}

public sealed class CompanyServiceTestsSqlite(AppFixture fixture) : CompanyServiceTests(fixture, null), IClassFixture<AppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class CompanyServiceTestsPostgres(AppFixture fixture, PostgresFixture postgres) : CompanyServiceTests(fixture, postgres), IClassFixture<AppFixture>;
