using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;

namespace TechLink.Server.Portal.Companies;

public sealed class DetailsModel(TechLinkDbContext db) : CompanyPage(db)
{
    public override string Tab => "details";

    public int Users { get; private set; }
    public int Sites { get; private set; }
    public int WorkOrders { get; private set; }
    public int Webhooks { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var id = Company.Id;
        Users = await Db.Users.CountAsync(u => u.CompanyId == id && !u.IsStaff, ct);
        Sites = await Db.Sites.CountAsync(s => s.CompanyId == id, ct);
        WorkOrders = await Db.WorkOrders.CountAsync(w => w.CompanyId == id, ct);
        Webhooks = await Db.WebhookRegistrations.CountAsync(w => w.CompanyId == id, ct);
    }
}
