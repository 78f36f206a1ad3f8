using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Accounts;
using TechLink.Server.Companies;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.Webhooks;
using TechLink.Server.WorkOrders;

namespace TechLink.Sandbox.Tests.Infrastructure;

/// <summary>Known data for both sides of a refresh.</summary>
internal static class Seed
{
    public static readonly DateTime T0 = new(2026, 11, 1, 10, 0, 0, DateTimeKind.Utc);
    public const string ClientPassword = "Correct-Horse-42";
    public const string ProductionKey = "tlk_production_key_that_must_not_open_the_sandbox";
    public const string SandboxKey = "tlk_sandbox_key_of_company_one_000000000000";
    public const long SandboxOnlyCompanyId = 500;

    /// <summary>A production database with two companies, accounts, sites, work orders with everything attached and two files.</summary>
    public static async Task ProductionAsync(TestDatabase production)
    {
        await production.MigrateAsync(TechLinkEnvironment.Production);
        await using var db = production.Open();
        var northwind = new Company { Name = "Northwind Stores", CreatedAt = T0, UpdatedAt = T0 };
        var contoso = new Company { Name = "Contoso Retail", CreatedAt = T0, UpdatedAt = T0.AddDays(1) };
        db.Companies.AddRange(northwind, contoso);
        await db.SaveChangesAsync();

        var role = new IdentityRole<long> { Name = "staff", NormalizedName = "STAFF", ConcurrencyStamp = "role-stamp" };
        db.Roles.Add(role);
        var client = User("dana", northwind.Id, staff: false);
        client.PasswordHash = new PasswordHasher<User>().HashPassword(client, ClientPassword);
        var staff = User("sam", null, staff: true);
        staff.PasswordHash = new PasswordHasher<User>().HashPassword(staff, "Staff-Password-1");
        db.Users.AddRange(client, staff);
        await db.SaveChangesAsync();
        db.RoleClaims.Add(new IdentityRoleClaim<long> { RoleId = role.Id, ClaimType = "perm", ClaimValue = "all" });
        db.UserRoles.Add(new IdentityUserRole<long> { UserId = staff.Id, RoleId = role.Id });
        db.UserClaims.Add(new IdentityUserClaim<long> { UserId = client.Id, ClaimType = "locale", ClaimValue = "en-US" });
        db.UserLogins.Add(new IdentityUserLogin<long> { UserId = client.Id, LoginProvider = "sso", ProviderKey = "dana@sso", ProviderDisplayName = "SSO" });
        db.UserTokens.Add(new IdentityUserToken<long> { UserId = client.Id, LoginProvider = "[AspNetUserStore]", Name = "AuthenticatorKey", Value = "KEY123" });

        var sites = new[] { Site(northwind.Id, "Store 1"), Site(northwind.Id, "Store 2"), Site(contoso.Id, "Depot") };
        db.Sites.AddRange(sites);
        await db.SaveChangesAsync();

        var orders = new[]
        {
            Order(northwind.Id, sites[0].Id, "Install POS", 10),
            Order(northwind.Id, sites[1].Id, "Replace switch", 70),
            Order(contoso.Id, sites[2].Id, "Mount signage", 100),
        };
        orders[1].TechName = "John Smith";
        orders[1].CheckInAt = T0.AddHours(3);
        db.WorkOrders.AddRange(orders);
        await db.SaveChangesAsync();

        foreach (var w in orders)
        {
            db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = w.Id, NewStatusCode = w.StatusCode, ChangedBy = "pm", ChangedAt = T0.AddMinutes(1) });
            db.Notes.Add(new Note { WorkOrderId = w.Id, CompanyId = w.CompanyId, Content = $"<p>note on {w.Title}</p>", Author = "pm", CreatedAt = T0.AddMinutes(2) });
            db.Questions.Add(new Question { WorkOrderId = w.Id, CompanyId = w.CompanyId, Text = "Serial number?", Answer = "SN-1", AnsweredBy = "tech", AnsweredAt = T0.AddHours(4), CreatedAt = T0 });
            db.Tasks.Add(new WorkTask { WorkOrderId = w.Id, CompanyId = w.CompanyId, Title = "Bring ladder", Due = T0.AddDays(2), CreatedAt = T0, UpdatedAt = T0 });
        }

        db.Files.Add(await FileAsync(production.FilesDir, orders[0], FileKind.Photo, "before.jpg", "photo bytes"));
        db.Files.Add(await FileAsync(production.FilesDir, orders[2], FileKind.ClientDocument, "po.pdf", "document bytes"));

        // Production's own key, registration, event and delivery: none of them may reach the sandbox.
        db.ApiKeys.Add(new ApiKey { CompanyId = northwind.Id, Name = "prod", Prefix = ApiKey.PrefixOf(ProductionKey), Hash = ApiKey.HashOf(ProductionKey), CreatedAt = T0 });
        db.WebhookRegistrations.Add(new WebhookRegistration { CompanyId = northwind.Id, Type = "work order created", EventTypes = "work order created", Url = "https://erp.example/prod", SecretProtected = "prod-secret", CreatedAt = T0, UpdatedAt = T0 });
        var message = new OutboxMessage { TenantId = northwind.Id, EventType = "work order created", Subject = orders[0].Id.ToString(), Payload = "{\"prod\":true}", CreatedAt = T0 };
        db.Events.Add(message);
        await db.SaveChangesAsync();
        db.Deliveries.Add(new DeliveryRecord { EventId = message.Id, EndpointId = 1, TenantId = northwind.Id, WebhookMessageId = "msg_prod", CreatedAt = T0, NextAttemptAt = T0 });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// A sandbox that was used: its own keys, registrations, events and deliveries (on company 1, which production
    /// also has, and on a sandbox-only company), plus older copied data and a file that a refresh replaces.
    /// </summary>
    public static async Task SandboxAsync(TestDatabase sandbox)
    {
        await sandbox.MigrateAsync(TechLinkEnvironment.Sandbox);
        await using var db = sandbox.Open();
        var old = new Company { Name = "Northwind (old copy)", CreatedAt = T0, UpdatedAt = T0 };
        db.Companies.Add(old);
        db.Companies.Add(new Company { Id = SandboxOnlyCompanyId, Name = "Sandbox-only test company", CreatedAt = T0, UpdatedAt = T0 });
        await db.SaveChangesAsync();

        db.ApiKeys.Add(new ApiKey { CompanyId = old.Id, Name = "sandbox client", Prefix = ApiKey.PrefixOf(SandboxKey), Hash = ApiKey.HashOf(SandboxKey), CreatedAt = T0 });
        db.ApiKeys.Add(new ApiKey { CompanyId = null, Name = "sandbox staff", Prefix = "tlk_staff", Hash = ApiKey.HashOf("tlk_staff_sandbox"), CreatedAt = T0 });
        db.ApiKeys.Add(new ApiKey { CompanyId = SandboxOnlyCompanyId, Name = "sandbox-only", Prefix = "tlk_only", Hash = ApiKey.HashOf("tlk_only"), CreatedAt = T0 });
        db.WebhookRegistrations.Add(new WebhookRegistration { CompanyId = old.Id, Type = "(any webhooks)", EventTypes = "*", Url = "https://dev.example/hook", SecretProtected = "sandbox-secret", CreatedAt = T0, UpdatedAt = T0 });
        db.WebhookRegistrations.Add(new WebhookRegistration { CompanyId = SandboxOnlyCompanyId, Type = "(any webhooks)", EventTypes = "*", Url = "https://dev.example/only", SecretProtected = "only-secret", CreatedAt = T0, UpdatedAt = T0 });
        var site = Site(old.Id, "Old store");
        db.Sites.Add(site);
        db.Users.Add(User("sandbox-tester", old.Id, staff: false));
        var message = new OutboxMessage { TenantId = old.Id, EventType = "work order note added", Subject = "1", Payload = "{\"sandbox\":true}", CreatedAt = T0 };
        db.Events.Add(message);
        await db.SaveChangesAsync();

        var order = Order(old.Id, site.Id, "Sandbox experiment", 10);
        db.WorkOrders.Add(order);
        await db.SaveChangesAsync();
        db.Notes.Add(new Note { WorkOrderId = order.Id, CompanyId = old.Id, Content = "test note", CreatedAt = T0 });
        db.Files.Add(await FileAsync(sandbox.FilesDir, order, FileKind.Photo, "test.jpg", "sandbox photo"));
        var delivery = new DeliveryRecord { EventId = message.Id, EndpointId = 1, TenantId = old.Id, WebhookMessageId = "msg_sandbox", Status = DeliveryStatus.Succeeded, AttemptCount = 1, CreatedAt = T0, NextAttemptAt = T0 };
        delivery.Attempts.Add(new DeliveryAttempt { Attempt = 1, StartedAt = T0, StatusCode = 200, DurationMs = 12 });
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
    }

    private static User User(string name, long? companyId, bool staff) => new()
    {
        UserName = name, NormalizedUserName = name.ToUpperInvariant(), Email = $"{name}@example.com", NormalizedEmail = $"{name.ToUpperInvariant()}@EXAMPLE.COM",
        FirstName = name, LastName = "Tester", CompanyId = companyId, IsStaff = staff, CreatedAt = T0, UpdatedAt = T0,
        SecurityStamp = "stamp-" + name, ConcurrencyStamp = "cc-" + name, LockoutEnabled = true,
    };

    private static Site Site(long companyId, string name) => new()
    {
        CompanyId = companyId, Name = name, SiteNumber = "7", Address1 = "1 Main St", City = "Seattle", State = "WA", PostalCode = "98101",
        Country = "US", TimeZone = "America/Los_Angeles", CreatedAt = T0, UpdatedAt = T0,
    };

    public static WorkOrder Order(long companyId, long siteId, string title, int status) => new()
    {
        CompanyId = companyId, SiteId = siteId, Title = title, ClientReference = "REF-" + title.Length, Description = title + " please",
        StatusCode = status, ScheduledStart = T0.AddDays(1), CreatedAt = T0, UpdatedAt = T0,
    };

    private static async Task<WorkOrderFile> FileAsync(string filesDir, WorkOrder order, FileKind kind, string name, string content)
    {
        var relative = Path.Combine(order.CompanyId.ToString(System.Globalization.CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N"));
        var full = Path.Combine(filesDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content, Encoding.UTF8);
        return new WorkOrderFile
        {
            WorkOrderId = order.Id, CompanyId = order.CompanyId, Kind = kind, FileName = name, ContentType = "application/octet-stream",
            SizeBytes = Encoding.UTF8.GetByteCount(content), StoragePath = relative, CreatedAt = T0,
        };
    }

    /// <summary>Ids of production's companies.</summary>
    public static async Task<HashSet<long>> CompanyIdsAsync(TestDatabase db)
    {
        await using var context = db.Open();
        return [.. await context.Companies.Select(c => c.Id).ToListAsync()];
    }
}
