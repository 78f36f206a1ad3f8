using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using TechLink.Data.Companies;

namespace TechLink.Data;

/// <summary>
/// Tenancy by construction: each entity that belongs to a company (a <c>CompanyId</c>, or the engine's <c>TenantId</c>;
/// a company is its own <c>Id</c>) gets one global query filter, <c>CompanyScope == null || owner == CompanyScope</c>.
/// A client's request sets <see cref="TechLinkDbContext.CompanyScope"/> once, and every query it makes (lists, finds,
/// counts, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>) sees its own company's rows only; a row of another company
/// answers exactly as a missing one. Rows with no company (staff users, staff keys, staff-only audit entries) are
/// never a client's. The few reads that must cross companies (a username is unique across the platform) say so with
/// <c>IgnoreQueryFilters()</c>.
/// </summary>
public static class Tenancy
{
    private static readonly string[] OwnerProperties = ["CompanyId", "TenantId"];

    /// <summary>
    /// The owner of an event row that belongs to no company: a test send's sample (the server's <c>TestSendLog</c>). Its
    /// one delivery belongs to the company whose registration was tested, which must be able to read the sample with it;
    /// the event feed and replays leave such rows out themselves.
    /// </summary>
    public const long NoCompany = 0;

    /// <summary>The entity types the filter applies to, with the property naming their company (for tests and docs).</summary>
    public static IReadOnlyList<(Type Entity, string Owner)> Filtered(Microsoft.EntityFrameworkCore.Metadata.IModel model) =>
        [.. model.GetEntityTypes().Where(t => t.BaseType is null).Select(t => (t.ClrType, Owner(t.ClrType))).Where(x => x.Item2 is not null).Select(x => (x.ClrType, x.Item2!))];

    internal static void Apply(ModelBuilder builder, TechLinkDbContext context)
    {
        // The context is a constant of the filter: EF Core reads CompanyScope from the context running the query.
        var scope = Expression.Property(Expression.Constant(context), nameof(TechLinkDbContext.CompanyScope));
        var unscoped = Expression.Equal(scope, Expression.Constant(null, typeof(long?)));
        foreach (var type in builder.Model.GetEntityTypes().Where(t => t.BaseType is null).ToList())
        {
            if (Owner(type.ClrType) is not { } owner) continue;
            var row = Expression.Parameter(type.ClrType, "row");
            var ownerId = Expression.Convert(Expression.Property(row, owner), typeof(long?));
            Expression visible = Expression.OrElse(unscoped, Expression.Equal(ownerId, scope));
            if (type.ClrType == typeof(Delivery.Model.OutboxMessage))
            {
                visible = Expression.OrElse(visible, Expression.Equal(ownerId, Expression.Constant(NoCompany, typeof(long?))));
            }

            var filter = Expression.Lambda(visible, row);
            builder.Entity(type.ClrType).HasQueryFilter(filter);
        }
    }

    private static string? Owner(Type type) =>
        type == typeof(Company) ? nameof(Company.Id)
        : OwnerProperties.FirstOrDefault(p => type.GetProperty(p)?.PropertyType is { } t && (t == typeof(long) || t == typeof(long?)));
}
