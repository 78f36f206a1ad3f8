using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.WorkOrders;

namespace TechLink.Server.Portal.WorkOrders;

public sealed class NewWorkOrderForm
{
    public string? SiteId { get; set; }
    public string? Title { get; set; }
    public string? ClientReference { get; set; }
    public string? Description { get; set; }
    public string? Priority { get; set; } = "normal";
}

/// <summary>Work orders of the company, filtered and paged by the API's own list (<see cref="WorkOrderService"/>), and a new work order.</summary>
public sealed class IndexModel(TechLinkDbContext db, WorkOrderService workOrders) : CompanyPage(db)
{
    public const int PageSize = 25;

    public override string Tab => "workorders";

    [BindProperty]
    public NewWorkOrderForm New { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Site { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<WorkOrderResponse> Items { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public List<Site> Sites { get; private set; } = [];

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var site = Formats.TryParseId(New.SiteId, out var siteId) && await Db.Sites.AnyAsync(s => s.Id == siteId && s.CompanyId == Company.Id, ct) ? New.SiteId : "0";
        var request = new CreateWorkOrderRequest(site, New.ClientReference, New.Title, New.Description, New.Priority);
        var outcome = await workOrders.CreateAsync(Caller, request, ct);
        if (Accepted(outcome))
        {
            var created = outcome.Value;
            Flash = $"Work order #{created.WorkorderId} created.";
            return Redirect($"/companies/{CompanyKey}/workorders/{created.WorkorderId}");
        }

        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var companyId = Company.Id;
        Sites = await Db.Sites.AsNoTracking().Where(s => s.CompanyId == companyId).OrderBy(s => s.Name).ToListAsync(ct);
        var list = await workOrders.ListAsync(Caller, new WorkOrderFilter(StatusCode: Blank(Status), SiteId: Blank(Site), CompanyId: CompanyKey), PageSize, Blank(Cursor), ct);
        if (list.Succeeded)
        {
            (Items, NextCursor) = (list.Value.Items, list.Value.NextCursor);
        }
        else if (Errors.Summary is null)
        {
            Errors.Add(list.Refusal!);
        }
    }
}
