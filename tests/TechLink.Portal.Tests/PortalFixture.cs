using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TechLink.Server.Accounts;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;
using TechLink.Testing;

namespace TechLink.Portal.Tests;

/// <summary>
/// The whole server on a real Kestrel port (SQLite in a temp folder, dispatcher running, loopback allowed), a
/// loopback webhook receiver, two client companies with a user each, a staff user, and headless system Chromium.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Password = "Portal-pass-123";
    public const string ClientUser = "acme.admin";
    public const string OtherClientUser = "globex.admin";
    public const string StaffUser = "techlink.staff";
    public const string GuessedUser = "acme.guessed";

    /// <summary>Test sends per company and minute: low, so the limit is reached in a few clicks (Globex's are one test's alone).</summary>
    public const int TestSendsPerMinute = 3;

    internal static readonly Dictionary<string, string> Settings = new()
    {
        ["TechLink:Environment"] = "Sandbox",
        ["TechLink:Bootstrap:DemoData"] = "false",
        ["TechLink:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        ["TechLink:Delivery:RetryDelayMin"] = "00:00:01",
        ["TechLink:Delivery:RetryDelayMax"] = "00:00:02",
        // Every test logs in from 127.0.0.1, most as the same user: the login limits are tested on a server of their own.
        ["TechLink:Portal:LoginAttemptsPerUser"] = "10000",
        ["TechLink:Portal:LoginAttemptsPerAddress"] = "10000",
        ["TechLink:RateLimit:TestSendsPerMinute"] = TestSendsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-portal-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;

    public Uri BaseUrl { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public LoopbackReceiver Receiver { get; private set; } = null!;
    public IServiceProvider Services => _factory!.Services;
    public long CompanyId { get; private set; }
    public long OtherCompanyId { get; private set; }
    public long WorkOrderId { get; private set; }
    public long OtherWorkOrderId { get; private set; }

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        // The host reads options while it is being built, before WebApplicationFactory's own configuration applies:
        // environment variables are seen by both.
        Environment.SetEnvironmentVariable("TechLink__DataPath", _dataPath);
        foreach (var (key, value) in Settings) Environment.SetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal), value);

        _factory = new PortalFactory(_dataPath);
        _factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");

        await SeedAsync();
        Receiver = await LoopbackReceiver.StartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    private async Task SeedAsync()
    {
        await using var scope = _factory!.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TechLinkDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var now = DateTime.UtcNow;
        var acme = new Company { Name = "Acme Retail", CreatedAt = now, UpdatedAt = now };
        var globex = new Company { Name = "Globex Stores", CreatedAt = now, UpdatedAt = now };
        db.Companies.AddRange(acme, globex);
        await db.SaveChangesAsync();
        CompanyId = acme.Id;
        OtherCompanyId = globex.Id;
        WorkOrderId = await AddWorkOrderAsync(db, acme.Id, "Install POS terminals", now);
        OtherWorkOrderId = await AddWorkOrderAsync(db, globex.Id, "Globex rack install", now);

        await CreateUserAsync(users, new User { UserName = ClientUser, CompanyId = acme.Id, FirstName = "Ada", LastName = "Acme", Email = "ada@acme.example", CreatedAt = now, UpdatedAt = now, LockoutEnabled = true });
        await CreateUserAsync(users, new User { UserName = GuessedUser, CompanyId = acme.Id, FirstName = "Gus", LastName = "Guessed", CreatedAt = now, UpdatedAt = now, LockoutEnabled = true });
        await CreateUserAsync(users, new User { UserName = OtherClientUser, CompanyId = globex.Id, FirstName = "Gil", LastName = "Globex", CreatedAt = now, UpdatedAt = now, LockoutEnabled = true });
        await CreateUserAsync(users, new User { UserName = StaffUser, IsStaff = true, FirstName = "Sam", LastName = "Dispatcher", CreatedAt = now, UpdatedAt = now, LockoutEnabled = true });
    }

    private static async Task<long> AddWorkOrderAsync(TechLinkDbContext db, long companyId, string title, DateTime now)
    {
        var site = new Site { CompanyId = companyId, Name = $"Store {companyId}01", TimeZone = "America/Los_Angeles", City = "Seattle", CreatedAt = now, UpdatedAt = now };
        db.Sites.Add(site);
        await db.SaveChangesAsync();
        var workOrder = new WorkOrder { CompanyId = companyId, SiteId = site.Id, Title = title, ClientReference = "PO-1", CreatedAt = now, UpdatedAt = now };
        db.WorkOrders.Add(workOrder);
        await db.SaveChangesAsync();
        db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = workOrder.Id, NewStatusCode = workOrder.StatusCode, ChangedBy = "seed", ChangedAt = now });
        await db.SaveChangesAsync();
        return workOrder.Id;
    }

    /// <summary>A fresh work order of Acme (status 10 Created, at a new site), for a test that moves it through its life cycle.</summary>
    public async Task<long> NewWorkOrderAsync(string title)
    {
        await using var scope = _factory!.Services.CreateAsyncScope();
        return await AddWorkOrderAsync(scope.ServiceProvider.GetRequiredService<TechLinkDbContext>(), CompanyId, title, DateTime.UtcNow);
    }

    private static async Task CreateUserAsync(UserManager<User> users, User user)
    {
        var result = await users.CreateAsync(user, Password);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>A fresh browser context (own cookies) logged in as <paramref name="userName"/>.</summary>
    public async Task<IPage> LogInAsync(string userName, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl.ToString(), ViewportSize = viewport ?? Viewports.Desktop });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/login");
        await PortalLogin.LogInAsync(page, userName, Password);
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Receiver is not null) await Receiver.DisposeAsync();
        if (_factory is not null) await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>The host with the test settings; Kestrel on a free loopback port is set by the fixture.</summary>
internal sealed class PortalFactory(string dataPath) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("TechLink:DataPath", dataPath);
        foreach (var (key, value) in PortalFixture.Settings) builder.UseSetting(key, value);
    }
}

/// <summary>The browser tests' server and browser, and the generated sweeps' server (which borrows the browser).</summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>, ICollectionFixture<Sweep.SweepFixture>
{
    public const string Name = "portal";
}
