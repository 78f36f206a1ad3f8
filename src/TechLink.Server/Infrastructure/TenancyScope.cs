namespace TechLink.Server.Infrastructure;

/// <summary>
/// Scopes the request's <see cref="TechLinkDbContext"/> to a client's company once the caller is known (after
/// authentication and authorization), so every query of the request goes through the model's tenancy filter
/// (<see cref="Tenancy"/>). Staff and anonymous requests (the login page) stay unscoped.
/// </summary>
internal static class TenancyScope
{
    /// <summary>The scope of a client principal without a company: no row is its (not <see cref="Tenancy.NoCompany"/>, the owner of a test send's sample event).</summary>
    private const long NoRows = -1;

    public static IApplicationBuilder UseTechLinkTenancy(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.Identity?.IsAuthenticated == true && Caller.From(http.User) is { IsStaff: false } client)
        {
            Apply(http.RequestServices.GetRequiredService<TechLinkDbContext>(), client);
        }

        await next(http);
    });

    /// <summary>Scopes <paramref name="db"/> for <paramref name="caller"/>: a client sees its company's rows only, staff every company's.</summary>
    public static void Apply(TechLinkDbContext db, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.CompanyScope = caller.IsStaff ? null : caller.CompanyId ?? NoRows;
    }
}
