using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Accounts;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Demo;

/// <summary>
/// A sandbox's first start: a company with sites, work orders in several statuses, a client user, a client
/// key and a staff key, with the credentials printed once so a newcomer can try the API at once.
/// Never runs in production.
/// </summary>
internal sealed class DemoData(IPasswordHasher<User> hasher, TimeProvider clock)
{
    public const string CompanyName = "Acme Retail (demo)";

    public async Task SeedIfEmptyAsync(TechLinkDbContext db, CancellationToken ct)
    {
        if (await db.Companies.AnyAsync(ct)) return;
        var now = Formats.Now(clock);
        var company = new Company { Name = CompanyName, CreatedAt = now, UpdatedAt = now };
        db.Companies.Add(company);
        await db.SaveChangesAsync(ct);

        var password = "Demo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var staffPassword = "Staff-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var client = NewUser("demo", "Dana", "Client", "dana@acme.example", company.Id, staff: false, now);
        client.PasswordHash = hasher.HashPassword(client, password);
        var staff = NewUser("staff", "Sam", "Dispatcher", "sam@techlinksvc.example", null, staff: true, now);
        staff.PasswordHash = hasher.HashPassword(staff, staffPassword);
        db.Users.AddRange(client, staff);

        var (clientKeyRow, clientKey) = ApiKeyService.NewKey(company.Id, "demo client key", now);
        var (staffKeyRow, staffKey) = ApiKeyService.NewKey(null, "demo staff key", now);
        db.ApiKeys.AddRange(clientKeyRow, staffKeyRow);

        Site NewSite(string name, string number, string city, string state, string zone) => new()
        {
            CompanyId = company.Id, Name = name, SiteNumber = number, Address1 = "1 Main Street", City = city, State = state,
            PostalCode = "00000", Country = "US", Phone = "555-0100", ContactName = "Store Manager", TimeZone = zone, CreatedAt = now, UpdatedAt = now,
        };
        var sites = new[]
        {
            NewSite("Store #101 Seattle", "101", "Seattle", "WA", "America/Los_Angeles"),
            NewSite("Store #202 Chicago", "202", "Chicago", "IL", "America/Chicago"),
            NewSite("Store #303 New York", "303", "New York", "NY", "America/New_York"),
        };
        db.Sites.AddRange(sites);
        await db.SaveChangesAsync(ct);

        (string Title, int Status, int Site)[] orders =
        [
            ("Install POS terminals", WorkOrderStatuses.Created, 0),
            ("Replace network switch", 20, 1),
            ("Mount digital signage", WorkOrderStatuses.Scheduled, 2),
            ("Run new CAT6 drops", WorkOrderStatuses.TechOnSite, 0),
            ("Repair badge reader", WorkOrderStatuses.Closed, 1),
        ];
        var number = 1000;
        foreach (var (title, status, siteIndex) in orders)
        {
            var w = new WorkOrder
            {
                CompanyId = company.Id, SiteId = sites[siteIndex].Id, Title = title, ClientReference = $"ACME-{++number}",
                Description = $"{title} at {sites[siteIndex].Name}.", Priority = "normal", StatusCode = status, CreatedAt = now, UpdatedAt = now,
            };
            if (status >= WorkOrderStatuses.Scheduled)
            {
                w.ScheduledStart = now.Date.AddDays(1).AddHours(17);
                w.PlannedTechName = "John Smith";
                w.PlannedTechPhone = "123-4567-8900";
            }

            if (status == WorkOrderStatuses.TechOnSite)
            {
                w.TechName = "John Smith";
                w.TechPhone = "123-4567-8900";
                w.CheckInAt = now;
            }

            db.WorkOrders.Add(w);
            await db.SaveChangesAsync(ct);
            db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = w.Id, NewStatusCode = status, ChangedBy = "demo data", ChangedAt = now });
        }

        await db.SaveChangesAsync(ct);
        Print(company.Id, password, staffPassword, clientKey, staffKey);
    }

    private static User NewUser(string username, string first, string last, string email, long? companyId, bool staff, DateTime now) => new()
    {
        UserName = username, NormalizedUserName = username.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(),
        FirstName = first, LastName = last, CompanyId = companyId, IsStaff = staff, CreatedAt = now, UpdatedAt = now,
        SecurityStamp = Guid.NewGuid().ToString("N"), LockoutEnabled = true,
    };

    private static void Print(long companyId, string password, string staffPassword, string clientKey, string staffKey)
    {
        var lines = new[]
        {
            "TechLink sandbox demo data created. These credentials are shown once:",
            $"  company id:          {companyId}",
            $"  portal (client):     username 'demo'  password '{password}'",
            $"  portal (staff):      username 'staff' password '{staffPassword}'",
            $"  client API key:      {clientKey}",
            $"  staff API key:       {staffKey}",
            "  try: curl -H \"Authorization: Bearer <client API key>\" http://localhost:5080/api/v1/workorders",
        };
        Console.WriteLine(new string('=', 78));
        foreach (var line in lines) Console.WriteLine(line);
        Console.WriteLine(new string('=', 78));
    }
}
