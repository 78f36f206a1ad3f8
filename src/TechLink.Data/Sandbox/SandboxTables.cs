using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using TechLink.Data.Accounts;
using TechLink.Data.Audit;
using TechLink.Data.Companies;
using TechLink.Data.Sites;
using TechLink.Data.Webhooks;
using TechLink.Data.WorkOrders;
using TechLink.Delivery.Model;

namespace TechLink.Data.Sandbox;

/// <summary>
/// What a sandbox refresh does with each table of the model: the one place that decides. Every entity type is
/// copied, upserted or kept; a table that is none of them refuses the refresh (and fails
/// <c>SandboxTablesTests</c>), so a new table is decided on when it is added. The order in which tables are
/// written (parents first) and cleared (children first) follows from the model's foreign keys.
/// </summary>
internal sealed class SandboxTables
{
    /// <summary>Production's data: replaced as a whole, ids kept.</summary>
    private static readonly Type[] Copied =
    [
        typeof(IdentityRole<long>), typeof(IdentityRoleClaim<long>), typeof(User), typeof(IdentityUserClaim<long>),
        typeof(IdentityUserLogin<long>), typeof(IdentityUserRole<long>), typeof(IdentityUserToken<long>),
        typeof(Site), typeof(WorkOrder), typeof(WorkOrderStatusChange), typeof(Note), typeof(WorkOrderFile), typeof(Question), typeof(WorkTask),
    ];

    /// <summary>
    /// Production's rows updated or added, the sandbox's own left alone: deleting a company would cascade to the
    /// sandbox's API keys and webhook registrations.
    /// </summary>
    private static readonly Type[] Upserted = [typeof(Company)];

    /// <summary>The sandbox's own: its keys, registrations, events and deliveries, its audit trail, its key ring and settings.</summary>
    private static readonly Type[] Kept =
    [
        typeof(ApiKey), typeof(WebhookRegistration), typeof(WebhookReplay), typeof(AuditEntry),
        typeof(OutboxMessage), typeof(DeliveryRecord), typeof(DeliveryAttempt), typeof(EndpointHealth), typeof(EndpointStatsBucket), typeof(EndpointSequence),
        typeof(IdMark), typeof(SystemSetting), typeof(DataProtectionKey),
    ];

    private SandboxTables(IReadOnlyList<IEntityType> copied, IReadOnlyList<IEntityType> upserted, IReadOnlyList<IEntityType> kept)
    {
        CopiedParentsFirst = copied;
        UpsertedTables = upserted;
        KeptTables = kept;
    }

    /// <summary>The copied tables in the order they are written: every table after the tables it references.</summary>
    public IReadOnlyList<IEntityType> CopiedParentsFirst { get; }

    /// <summary>The copied tables in the order they are emptied, so that no delete depends on a cascade.</summary>
    public IEnumerable<IEntityType> CopiedChildrenFirst => CopiedParentsFirst.Reverse();

    public IReadOnlyList<IEntityType> UpsertedTables { get; }

    public IReadOnlyList<IEntityType> KeptTables { get; }

    /// <summary>The tables whose rows went in with production's ids.</summary>
    public IEnumerable<IEntityType> WithProductionIds => UpsertedTables.Concat(CopiedParentsFirst);

    /// <summary>The plan for <paramref name="model"/>; refuses a model with a table nobody decided on.</summary>
    public static SandboxTables Of(IModel model)
    {
        var all = model.GetEntityTypes().Where(t => !t.IsOwned() && t.GetTableName() is not null).ToList();
        IEntityType[] Find(Type[] types) => types.Select(t => model.FindEntityType(t) ?? throw new InvalidOperationException($"{t.Name} is not in the model.")).ToArray();
        var copied = Find(Copied);
        var upserted = Find(Upserted);
        var kept = Find(Kept);
        var decided = copied.Concat(upserted).Concat(kept).ToList();
        var undecided = all.Except(decided).Select(t => t.GetTableName()).Order(StringComparer.Ordinal).ToList();
        if (undecided.Count > 0)
        {
            throw new InvalidOperationException(
                $"The sandbox refresh does not know whether to copy or keep {string.Join(", ", undecided)}; add each to a list in SandboxTables.");
        }

        var twice = decided.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key.GetTableName()).ToList();
        if (twice.Count > 0) throw new InvalidOperationException($"SandboxTables lists {string.Join(", ", twice)} more than once.");

        foreach (var table in copied)
        {
            var fromKept = table.GetForeignKeys().Select(k => k.PrincipalEntityType).Where(kept.Contains).Select(p => p.GetTableName()).ToList();
            if (fromKept.Count > 0)
            {
                throw new InvalidOperationException($"{table.GetTableName()} is copied but references {string.Join(", ", fromKept)}, which the sandbox keeps as its own.");
            }
        }

        return new SandboxTables(ParentsFirst(copied), upserted, kept);
    }

    /// <summary>Each table after the copied tables it references; otherwise in the order <see cref="Copied"/> lists them.</summary>
    private static List<IEntityType> ParentsFirst(IReadOnlyList<IEntityType> tables)
    {
        var ordered = new List<IEntityType>();
        var pending = tables.ToList();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(t => t.GetForeignKeys().All(k => k.PrincipalEntityType == t || !pending.Contains(k.PrincipalEntityType)))
                ?? throw new InvalidOperationException($"The copied tables reference each other in a cycle: {string.Join(", ", pending.Select(t => t.GetTableName()))}.");
            ordered.Add(next);
            pending.Remove(next);
        }

        return ordered;
    }

    /// <summary>The name a refresh reports a table by: <c>work_orders</c>, <c>users</c> (Identity's <c>AspNetUsers</c>).</summary>
    public static string NameOf(IEntityType table)
    {
        var name = table.GetTableName()!;
        if (name.StartsWith("AspNet", StringComparison.Ordinal)) name = name["AspNet".Length..];
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0) words.Append('_');
            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
