using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TechLink.Delivery;
using Scalar.AspNetCore;
using TechLink.Server.Accounts;
using TechLink.Server.Audit;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Demo;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sandbox;
using TechLink.Server.Portal;
using TechLink.Server.Sites;
using TechLink.Server.Webhooks;
using TechLink.Server.WorkOrders;

namespace TechLink.Server;

/// <summary>The host's wiring, in the order data flows: storage, identity, the API, webhooks, the portal.</summary>
internal static class ServerSetup
{
    /// <summary>
    /// The host's builder. Configuration files are read once, not watched: the default DataPath (<c>./data</c>) lies
    /// inside the content root, a reload-on-change watch covers the whole folder tree, and every SQLite write would
    /// wake it (perf under delivery load: the watcher thread and the kernel's notifications took 7% of the CPU).
    /// </summary>
    public static WebApplicationBuilder CreateTechLinkBuilder(string[] args, string? contentRootPath = null, string? environmentName = null) =>
        WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = contentRootPath,
            EnvironmentName = environmentName,
        });

    public static WebApplicationBuilder AddTechLink(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<TechLinkOptions>().BindConfiguration(TechLinkOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<TechLinkOptions>, TechLinkOptionsValidator>();
        var options = configuration.GetSection(TechLinkOptions.SectionName).Get<TechLinkOptions>() ?? new TechLinkOptions();

        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddTechLinkDatabase(configuration);
        PrivateFiles.CreateDirectory(options.FullDataPath);
        services.AddTechLinkKeyRing(options);

        services.AddIdentityCore<User>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                // No account lockout: anyone who knows a username could lock its owner out. The portal's login
                // throttle (per user and address, failures only) holds guessing back instead.
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole<long>>()
            .AddEntityFrameworkStores<TechLinkDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<UserClaimsFactory>()
            .AddDefaultTokenProviders();
        // Revocation (stamp and is_active) is checked on every request by SessionValidator with one small read; Identity's
        // full re-validation (claims rebuilt, cookie re-issued) only refreshes claims, so it may run rarely.
        services.Replace(ServiceDescriptor.Scoped<ISecurityStampValidator, SessionValidator>());
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(5));

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "TechLink";
                o.DefaultChallengeScheme = "TechLink";
            })
            .AddPolicyScheme("TechLink", "API key for /api, cookie for the portal", o =>
                o.ForwardDefaultSelector = ctx => Telemetry.UsesApiKey(ctx.Request.Path) ? ApiKeyAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/login";
            o.LogoutPath = "/logout";
            o.AccessDeniedPath = "/login";
            o.Cookie.Name = "techlink.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.Events.OnRedirectToLogin = PortalSetup.RedirectToLoginAsync;
        });
        services.AddTechLinkWebSecurity(options);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Api, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Staff, p => p.RequireAuthenticatedUser().RequireRole(Caller.StaffRole));

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<JsonOptions>(o => ApiJson.Configure(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        if (options.Node.RunsApi) services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentTransformer>().AddDocumentTransformer<OpenApiWebhooks>()
            .AddSchemaTransformer(OpenApiAnswers.OptionalRequestProperties).AddDocumentTransformer(OpenApiAnswers.NullableAsAnyOf));
        services.AddHealthChecks().AddDbContextCheck<TechLinkDbContext>("database", tags: ["ready"]).AddTechLinkDeliveryCheck<TechLinkDbContext>("ready");
        services.AddTechLinkTelemetry(configuration);

        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UsernameConflicts>();
        services.AddScoped<UserService>();
        services.AddScoped<Companies.CompanyService>();
        services.AddScoped<Companies.ApiKeyService>();
        services.AddScoped<Audit.AuditService>();
        services.AddSingleton<EventOutbox>();
        services.AddScoped<Sites.SiteService>();
        services.AddScoped<WorkOrders.WorkOrderService>();
        services.AddScoped<WorkOrders.WorkOrderAttachmentService>();
        services.AddScoped<WorkOrders.WorkOrderFileService>();
        services.AddSingleton<ApiKeyCache>();
        services.AddScoped<FileStore>();
        services.AddSingleton<FileUrlSigner>();
        services.AddSingleton<FileUrlFinisher>();
        services.AddSingleton<TechLink.Delivery.Sending.IPayloadFinisher>(sp => sp.GetRequiredService<FileUrlFinisher>());
        services.AddScoped<DemoData>();
        services.AddScoped<DatabaseInitializer>();
        services.AddTechLinkRateLimiting();
        services.AddTechLinkWebhooks(configuration, options);
        services.AddTechLinkSandbox();
        if (options.Node.RunsApi) services.AddTechLinkPortal();
        return builder;
    }

    public static async Task InitializeTechLinkAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync(app.Lifetime.ApplicationStopping);
    }

    public static WebApplication MapTechLink(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TechLinkOptions>>().Value;
        app.UseTechLinkWebSecurity(options);
        app.UseTechLinkStatusCodePages();
        app.UseSandboxDataAsOf();
        app.UseStaticFiles();
        // Here, not implicitly first: a portal error page re-runs the pipeline from the status code pages on, routing included.
        app.UseRouting();
        app.UseAuthentication();
        // After authentication (the partition is the key), before authorization (refused keys are counted too).
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseTechLinkTenancy();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapTechLinkMetrics();
        // A dispatcher-only node serves its health and metrics, nothing a client calls: no API, portal or documents,
        // whose routes (hundreds of compiled request delegates and the Razor pages) would cost it memory it has no use for.
        if (!options.Node.RunsApi) return app;

        app.MapOpenApi("/openapi/{documentName}.json");
        // Our own page: system fonts (nothing from a font CDN), no vendor buttons (API client, AI agent, MCP, developer
        // tools), no telemetry; the CSP of /docs (WebSecurity) lets it reach nothing but this server.
        app.MapScalarApiReference("/docs", o => o.WithTitle("TechLink Services API").AddPreferredSecuritySchemes("ApiKey").DisableDefaultFonts()
            .HideClientButton().DisableAgent().DisableMcp().DisableTelemetry().HideDeveloperTools()
            .WithCustomCss("a[href*=\"scalar.com\"] { display: none !important; }"));

        var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.Api).RequireRateLimiting(ApiRateLimit.Policy).DocumentsProblems();
        api.MapCompanies();
        api.MapUsers();
        api.MapSites();
        api.MapWorkOrders();
        api.MapWebhooks();
        api.MapEventFeed();
        api.MapAudit();
        app.MapFileLinks();
        app.MapTechLinkPortal();
        // A browser lands on the portal; a program gets a short description of where things are.
        app.MapGet("/", (HttpContext http, IOptions<TechLinkOptions> o) =>
                http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
                    ? Results.Redirect("/portal")
                    : Results.Ok(new { service = "TechLink Services", environment = o.Value.Environment.ToString(), api = "/api/v1", docs = "/docs", portal = "/portal" }))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The time-limited links that photo and document objects carry; the token is the credential.</summary>
    private static void MapFileLinks(this WebApplication app) =>
        app.MapGet("/files/{token}", async Task<Results<FileStreamHttpResult, ProblemHttpResult>> (string token, FileStore files, TechLinkDbContext db, CancellationToken ct) =>
        {
            if (files.ReadToken(token) is not { } id) return Refusal.NotFound("file (the link may have expired)").ToResult();
            var file = await db.Files.FindAsync([id], ct);
            return file is null || !files.Exists(file) ? Refusal.NotFound("file").ToResult() : files.Serve(file);
        }).AllowAnonymous().ExcludeFromDescription();
}
