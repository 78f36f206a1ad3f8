using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// Work orders and their life cycle, for the API and the portal alike: every mutation writes the spec's event(s) in its
/// own transaction and answers the work order or a <see cref="Refusal"/> (then nothing stays). A change that reads the
/// work order first runs through <see cref="Transactions.ReadModifyWriteAsync{T}"/>, so the events it writes (a status
/// change's old status above all) describe the state it really changed, even with other changes racing it.
/// </summary>
public sealed class WorkOrderService(TechLinkDbContext db, EventOutbox outbox, TimeProvider clock)
{
    /// <summary>The work order, tracked, with its site; null when missing or another company's (the tenancy filter).</summary>
    internal static async Task<WorkOrder?> FindAsync(string workOrderId, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(workOrderId, out var id)) return null;
        var workOrder = await db.WorkOrders.Include(w => w.Site).FirstOrDefaultAsync(w => w.Id == id, ct);
        return workOrder;
    }

    /// <summary>
    /// The work order's id and company, for what hangs off it (notes, questions, tasks, files, the timeline): one
    /// untracked row of two columns, not the tracked row with its site; null when missing or another company's.
    /// </summary>
    internal static async Task<WorkOrderKey?> FindKeyAsync(string workOrderId, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(workOrderId, out var id)) return null;
        return await KeyQuery.For(db)(db, id, ct);
    }

    /// <summary>Compiled: building and caching this expression cost more CPU than running it (perf of a POST of a note).</summary>
    private static readonly CompiledQuery<Func<TechLinkDbContext, long, CancellationToken, Task<WorkOrderKey?>>> KeyQuery = new(() =>
        EF.CompileAsyncQuery((TechLinkDbContext db, long id, CancellationToken ct) =>
            db.WorkOrders.AsNoTracking().Where(w => w.Id == id).Select(w => new WorkOrderKey(w.Id, w.CompanyId)).FirstOrDefault()));

    internal static WorkOrderResponse Body(WorkOrder w) => WorkOrderResponse.From(w, w.Site!.TimeZone);

    private static Refusal NotFound => Refusal.NotFound("work order");

    public async Task<Outcome<Page<WorkOrderResponse>>> ListAsync(Caller caller, WorkOrderFilter filter, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var query = db.WorkOrders.AsNoTracking().Include(w => w.Site).Where(w => w.Id > page.After);
        var v = new Validator();
        if (caller.IsStaff && filter.CompanyId is not null)
        {
            var companyId = v.Id("company_id", filter.CompanyId);
            query = query.Where(w => w.CompanyId == companyId);
        }

        if (filter.StatusCode is not null)
        {
            // A set, not a list: "60,60,60,..." must not turn into one SQL parameter per repetition.
            var codes = new HashSet<int>();
            foreach (var part in filter.StatusCode.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, CultureInfo.InvariantCulture, out var code) && WorkOrderStatuses.TryGet(code, out _))
                {
                    codes.Add(code);
                    continue;
                }

                // One message is enough: a megabyte of bad codes must not come back as a megabyte of errors.
                v.Add("status_code", $"'{Problems.Quote(part)}' is not a status code (see GET /api/v1/statuses).");
                break;
            }

            query = query.Where(w => codes.Contains(w.StatusCode));
        }

        if (filter.SiteId is not null)
        {
            var siteId = v.Id("site_id", filter.SiteId);
            query = query.Where(w => w.SiteId == siteId);
        }

        if (filter.UpdatedSince is not null)
        {
            if (Formats.TryParseInstant(filter.UpdatedSince, out var since)) query = query.Where(w => w.UpdatedAt >= since);
            else v.Add("updated_since", "'updated_since' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
        }

        if (v.Failed) return v.Refusal();
        var rows = await query.OrderBy(w => w.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, w => w.Id, Body);
    }

    public async Task<Outcome<WorkOrderResponse>> GetAsync(Caller caller, string workOrderId, CancellationToken ct) =>
        await FindAsync(workOrderId, db, ct) is { } w ? Body(w) : NotFound;

    public async Task<Outcome<Page<TimelineEntry>>> TimelineAsync(Caller caller, string workOrderId, CancellationToken ct)
    {
        var w = await FindKeyAsync(workOrderId, db, ct);
        if (w is null) return NotFound;
        var steps = await db.WorkOrderStatusChanges.AsNoTracking().Where(c => c.WorkOrderId == w.Id).OrderBy(c => c.Id).ToListAsync(ct);
        return new Page<TimelineEntry>([.. steps.Select(s => new TimelineEntry(
            Formats.Id(s.OldStatusCode), s.OldStatusCode is { } o ? WorkOrderStatuses.Get(o).Name : null,
            Formats.Id(s.NewStatusCode), WorkOrderStatuses.Get(s.NewStatusCode).Name, s.ChangedBy, Formats.Instant(s.ChangedAt)))], null);
    }

    public async Task<Outcome<WorkOrderResponse>> CreateAsync(Caller caller, CreateWorkOrderRequest request, CancellationToken ct)
    {
        var v = new Validator();
        v.Id("site_id", request.SiteId);
        var title = v.Text("title", request.Title, 300, required: true);
        var reference = v.Text("client_reference", request.ClientReference, 100) ?? "";
        var description = v.Text("description", request.Description, 20_000) ?? "";
        var priority = v.OneOf("priority", request.Priority, WorkOrder.Priorities) ?? "normal";
        if (v.Failed) return v.Refusal();
        var site = await SiteService.FindAsync(request.SiteId!, db, ct);
        if (site is null) return Refusal.Validation("site_id", "No such site.");

        var now = Formats.Now(clock);
        var workOrder = new WorkOrder
        {
            CompanyId = site.CompanyId, SiteId = site.Id, Site = site, Title = title!, ClientReference = reference, Description = description,
            Priority = priority, StatusCode = WorkOrderStatuses.Created, CreatedAt = now, UpdatedAt = now,
        };
        return await db.CommitOnSuccessAsync<WorkOrderResponse>(async () =>
        {
            db.WorkOrders.Add(workOrder);
            await db.SaveChangesAsync(ct);
            db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = workOrder.Id, NewStatusCode = workOrder.StatusCode, ChangedBy = caller.Name, ChangedAt = now });
            var body = Body(workOrder);
            await outbox.AddAsync<Events.WorkOrderCreated>(db, workOrder.CompanyId, EventSubject.WorkOrder(workOrder.Id), body, ct);
            return body;
        }, ct);
    }

    public Task<Outcome<WorkOrderResponse>> UpdateAsync(Caller caller, string workOrderId, UpdateWorkOrderRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            var v = new Validator();
            if (v.Text("title", request.Title, 300) is { } title)
            {
                if (title.Length == 0) v.Add("title", "'title' may not be empty.");
                w.Title = title;
            }

            if (v.Text("client_reference", request.ClientReference, 100) is { } reference) w.ClientReference = reference;
            if (v.Text("description", request.Description, 20_000) is { } description) w.Description = description;
            if (v.OneOf("priority", request.Priority, WorkOrder.Priorities) is { } priority) w.Priority = priority;
            if (v.Failed) return v.Refusal();
            w.UpdatedAt = Formats.Now(clock);
            await outbox.AddAsync<Events.WorkOrderUpdated>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), Body(w), ct);
            return null;
        }, ct);

    /// <summary>The staff override: any status of the spec's table, asking no rule.</summary>
    public Task<Outcome<WorkOrderResponse>> SetStatusAsync(Caller caller, string workOrderId, StatusRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            if (request.StatusCode is null || !int.TryParse(request.StatusCode, CultureInfo.InvariantCulture, out var code) || !WorkOrderStatuses.TryGet(code, out _))
            {
                return Refusal.Validation("status_code", "'status_code' must be one of the codes of GET /api/v1/statuses, as a string (e.g. \"60\").");
            }

            await ChangeStatusAsync(w, code, caller, ct);
            return null;
        }, ct);

    public Task<Outcome<WorkOrderResponse>> ScheduleAsync(Caller caller, string workOrderId, ScheduleRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            if (SiteTime.ParseLocal("start", request.Start, w.Site!.TimeZone, out var start) is { } error) return Refusal.Validation("start", error);
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.Schedule) is { } refused) return refused;
            w.ScheduledStart = start;
            w.UpdatedAt = Formats.Now(clock);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderScheduled { WorkOrderId = Formats.Id(w.Id), Start = SiteTime.Local(start, w.Site.TimeZone) }, ct);
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.Schedule), caller, ct);
            return null;
        }, ct);

    public Task<Outcome<WorkOrderResponse>> AssignAsync(Caller caller, string workOrderId, TechRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            var v = new Validator();
            var name = v.Text("tech_name", request.TechName, 200) ?? "";
            var phone = v.Text("tech_phone", request.TechPhone, 50) ?? "";
            if (name.Length == 0 && phone.Length > 0) v.Add("tech_name", "'tech_name' is required with a phone; send both empty to unassign.");
            if (v.Failed) return v.Refusal();
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.Assign) is { } refused) return refused;
            w.PlannedTechName = name;
            w.PlannedTechPhone = phone;
            w.UpdatedAt = Formats.Now(clock);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderAssigned { WorkOrderId = Formats.Id(w.Id), PlannedTechName = name, PlannedTechPhone = phone }, ct);
            // Unassigning (both fields empty) leaves the status where it is.
            if (name.Length > 0) await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.Assign), caller, ct);
            return null;
        }, ct);

    public Task<Outcome<WorkOrderResponse>> CheckInAsync(Caller caller, string workOrderId, TechRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            var v = new Validator();
            var name = v.Text("tech_name", request.TechName, 200, required: true);
            var phone = v.Text("tech_phone", request.TechPhone, 50) ?? "";
            if (v.Failed) return v.Refusal();
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.CheckIn) is { } refused) return refused;
            var now = Formats.Now(clock);
            w.TechName = name!;
            w.TechPhone = phone;
            w.CheckInAt = now;
            w.CheckOutAt = null;
            w.CheckOutDisposition = null;
            w.UpdatedAt = now;
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderTechOnSite
            {
                WorkOrderId = Formats.Id(w.Id), TechName = w.TechName, TechPhone = w.TechPhone, Time = SiteTime.LocalWithZone(now, w.Site!.TimeZone),
            }, ct);
            await ChangeStatusAsync(w, WorkOrderStatuses.TechOnSite, caller, ct);
            return null;
        }, ct);

    public Task<Outcome<WorkOrderResponse>> CheckOutAsync(Caller caller, string workOrderId, CheckOutRequest request, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            var v = new Validator();
            var disposition = v.OneOf("disposition", request.Disposition, ["complete", "return"], required: true);
            if (v.Failed) return v.Refusal();
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.CheckOut) is { } refused) return refused;
            var now = Formats.Now(clock);
            w.CheckOutAt = now;
            w.CheckOutDisposition = disposition;
            w.UpdatedAt = now;
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderTechOffSite
            {
                WorkOrderId = Formats.Id(w.Id), Disposition = disposition!, Time = SiteTime.LocalWithZone(now, w.Site!.TimeZone),
            }, ct);
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.CheckOut, disposition), caller, ct);
            return null;
        }, ct);

    public Task<Outcome<WorkOrderResponse>> CloseAsync(Caller caller, string workOrderId, CancellationToken ct) => MoveAsync(caller, workOrderId, WorkOrderAction.Close, ct);

    public Task<Outcome<WorkOrderResponse>> CancelAsync(Caller caller, string workOrderId, CancellationToken ct) => MoveAsync(caller, workOrderId, WorkOrderAction.Cancel, ct);

    private Task<Outcome<WorkOrderResponse>> MoveAsync(Caller caller, string workOrderId, WorkOrderAction action, CancellationToken ct) =>
        ChangeAsync(caller, workOrderId, async w =>
        {
            if (WorkOrderRules.Refuse(w.StatusCode, action) is { } refused) return refused;
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, action), caller, ct);
            return null;
        }, ct);

    /// <summary>
    /// One read-modify-write of a work order the caller may see: <paramref name="change"/> answers null when it changed the
    /// work order (which is then answered as it is now), or the refusal that rolls everything back.
    /// </summary>
    private Task<Outcome<WorkOrderResponse>> ChangeAsync(Caller caller, string workOrderId, Func<WorkOrder, Task<Refusal?>> change, CancellationToken ct) =>
        db.ReadModifyWriteAsync<WorkOrderResponse>(async () =>
        {
            var w = await FindAsync(workOrderId, db, ct);
            if (w is null) return NotFound;
            return await change(w) is { } refusal ? refusal : Body(w);
        }, ct);

    /// <summary>
    /// Moves a work order to a status and writes a status change event (plus "closed" at 100 and
    /// "cancelled" at 105). Setting the status it already has changes nothing and writes nothing.
    /// </summary>
    private async Task ChangeStatusAsync(WorkOrder w, int code, Caller caller, CancellationToken ct)
    {
        if (w.StatusCode == code) return;
        var old = WorkOrderStatuses.Get(w.StatusCode);
        var now = Formats.Now(clock);
        w.StatusCode = code;
        w.UpdatedAt = now;
        db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = w.Id, OldStatusCode = old.Code, NewStatusCode = code, ChangedBy = caller.Name, ChangedAt = now });
        var id = Formats.Id(w.Id);
        var next = WorkOrderStatuses.Get(code);
        await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderStatusChanged
        {
            WorkOrderId = id, OldStatusCode = Formats.Id(old.Code), OldStatus = old.Name, NewStatusCode = Formats.Id(next.Code), NewStatus = next.Name,
        }, ct);
        if (code == WorkOrderStatuses.Closed)
        {
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderClosed { WorkOrderId = id }, ct);
        }
        else if (code == WorkOrderStatuses.Cancelled)
        {
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderCancelled { WorkOrderId = id }, ct);
        }
    }
}

/// <summary>The list's filters, as the query names them (<c>status_code</c> a comma-separated set); null means no filter.</summary>
public sealed record WorkOrderFilter(string? StatusCode = null, string? SiteId = null, string? UpdatedSince = null, string? CompanyId = null);

/// <summary>A work order's id and the company it belongs to (<see cref="WorkOrderService.FindKeyAsync"/>).</summary>
internal sealed record WorkOrderKey(long Id, long CompanyId);
