using Microsoft.EntityFrameworkCore;
using TechLink.Server.Data;
using TechLink.Server.Webhooks;
using TechLink.Server.Infrastructure;
using TechLink.Server.Sites;
using Events = TechLink.Webhooks;

namespace TechLink.Server.WorkOrders;

/// <summary>
/// Work orders and their life cycle: every mutation writes the spec's event(s) in its own transaction. A change that
/// reads the work order first runs through <see cref="Transactions.ReadModifyWriteAsync"/>, so the events it writes
/// (a status change's old status above all) describe the state it really changed, even with other changes racing it.
/// </summary>
public static class WorkOrderEndpoints
{
    public static RouteGroupBuilder MapWorkOrders(this RouteGroupBuilder api)
    {
        api.MapGet("/statuses", () => TypedResults.Ok(new Page<StatusResponse>([.. WorkOrderStatuses.All.Select(StatusResponse.From)], null)))
            .WithTags("Work orders");
        var group = api.MapGroup("/workorders").WithTags("Work orders");
        group.MapGet("/", ListAsync).Produces<Page<WorkOrderResponse>>();
        group.MapGet("/{workorder_id}", GetAsync).WithSummary("Get Work Order Details").Produces<WorkOrderResponse>();
        group.MapGet("/{workorder_id}/timeline", TimelineAsync).Produces<Page<TimelineEntry>>();
        group.MapPost("/", CreateAsync).Produces<WorkOrderResponse>(StatusCodes.Status201Created).RequiresFields("site_id", "title");
        group.MapPatch("/{workorder_id}", UpdateAsync).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/status", SetStatusAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("status_code");
        group.MapPost("/{workorder_id}/schedule", ScheduleAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("start");
        group.MapPost("/{workorder_id}/assign", AssignAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/check-in", CheckInAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("tech_name");
        group.MapPost("/{workorder_id}/check-out", CheckOutAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("disposition");
        group.MapPost("/{workorder_id}/close", CloseAsync).RequireAuthorization(Policies.Staff).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/cancel", CancelAsync).Produces<WorkOrderResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapWorkOrderAttachments();
        return api;
    }

    /// <summary>A work order the caller may see, with its site; null answers 404.</summary>
    internal static async Task<WorkOrder?> FindAsync(string workOrderId, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(workOrderId, out var id)) return null;
        var caller = Caller.From(http.User);
        var workOrder = await db.WorkOrders.Include(w => w.Site).FirstOrDefaultAsync(w => w.Id == id, ct);
        return workOrder is not null && caller.CanSee(workOrder.CompanyId) ? workOrder : null;
    }

    internal static WorkOrderResponse Body(WorkOrder w) => WorkOrderResponse.From(w, w.Site!.TimeZone);

    internal static async Task<IResult> ListAsync(string? status_code, string? site_id, string? updated_since, string? company_id, int? limit, string? cursor,
        HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var query = db.WorkOrders.AsNoTracking().Include(w => w.Site).Where(w => w.Id > page.After);
        if (!caller.IsStaff) query = query.Where(w => w.CompanyId == caller.CompanyId);
        var v = new Validator();
        if (caller.IsStaff && company_id is not null)
        {
            var companyId = v.Id("company_id", company_id);
            query = query.Where(w => w.CompanyId == companyId);
        }

        if (status_code is not null)
        {
            // A set, not a list: "60,60,60,..." must not turn into one SQL parameter per repetition.
            var codes = new HashSet<int>();
            foreach (var part in status_code.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var code) && WorkOrderStatuses.TryGet(code, out _))
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

        if (site_id is not null)
        {
            var siteId = v.Id("site_id", site_id);
            query = query.Where(w => w.SiteId == siteId);
        }

        if (updated_since is not null)
        {
            if (Formats.TryParseInstant(updated_since, out var since)) query = query.Where(w => w.UpdatedAt >= since);
            else v.Add("updated_since", "'updated_since' must be an ISO 8601 instant, e.g. 2026-11-28T12:00:00Z.");
        }

        if (v.Failed) return v.Problem();
        var rows = await query.OrderBy(w => w.Id).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Build(rows, w => w.Id, Body));
    }

    internal static async Task<IResult> GetAsync(string workorder_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await FindAsync(workorder_id, http, db, ct);
        return w is null ? Problems.NotFound("work order") : TypedResults.Ok(Body(w));
    }

    internal static async Task<IResult> TimelineAsync(string workorder_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var w = await FindAsync(workorder_id, http, db, ct);
        if (w is null) return Problems.NotFound("work order");
        var steps = await db.WorkOrderStatusChanges.AsNoTracking().Where(c => c.WorkOrderId == w.Id).OrderBy(c => c.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<TimelineEntry>([.. steps.Select(s => new TimelineEntry(
            Formats.Id(s.OldStatusCode), s.OldStatusCode is { } o ? WorkOrderStatuses.Get(o).Name : null,
            Formats.Id(s.NewStatusCode), WorkOrderStatuses.Get(s.NewStatusCode).Name, s.ChangedBy, Formats.Instant(s.ChangedAt)))], null));
    }

    internal static async Task<IResult> CreateAsync(CreateWorkOrderRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var v = new Validator();
        v.Id("site_id", request.SiteId);
        var title = v.Text("title", request.Title, 300, required: true);
        var reference = v.Text("client_reference", request.ClientReference, 100) ?? "";
        var description = v.Text("description", request.Description, 20_000) ?? "";
        var priority = v.OneOf("priority", request.Priority, WorkOrder.Priorities) ?? "normal";
        if (v.Failed) return v.Problem();
        var site = await SiteService.FindAsync(request.SiteId!, caller, db, ct);
        if (site is null) return Problems.Validation("site_id", "No such site.");

        var now = Formats.Now(clock);
        var workOrder = new WorkOrder
        {
            CompanyId = site.CompanyId, SiteId = site.Id, Site = site, Title = title!, ClientReference = reference, Description = description,
            Priority = priority, StatusCode = WorkOrderStatuses.Created, CreatedAt = now, UpdatedAt = now,
        };
        return await db.InTransactionAsync<IResult>(async () =>
        {
            db.WorkOrders.Add(workOrder);
            await db.SaveChangesAsync(ct);
            db.WorkOrderStatusChanges.Add(new WorkOrderStatusChange { WorkOrderId = workOrder.Id, NewStatusCode = workOrder.StatusCode, ChangedBy = caller.Name, ChangedAt = now });
            var body = Body(workOrder);
            await outbox.AddAsync<Events.WorkOrderCreated>(db, workOrder.CompanyId, EventSubject.WorkOrder(workOrder.Id), body, ct);
            return TypedResults.Created($"/api/v1/workorders/{workOrder.Id}", body);
        }, ct);
    }

    internal static Task<IResult> UpdateAsync(string workorder_id, UpdateWorkOrderRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            var v = new Validator();
            if (v.Text("title", request.Title, 300) is { } title)
            {
                if (title.Length == 0) v.Add("title", "'title' may not be empty.");
                w.Title = title;
            }

            if (v.Text("client_reference", request.ClientReference, 100) is { } reference) w.ClientReference = reference;
            if (v.Text("description", request.Description, 20_000) is { } description) w.Description = description;
            if (v.OneOf("priority", request.Priority, WorkOrder.Priorities) is { } priority) w.Priority = priority;
            if (v.Failed) return v.Problem();
            w.UpdatedAt = Formats.Now(clock);
            var body = Body(w);
            await outbox.AddAsync<Events.WorkOrderUpdated>(db, w.CompanyId, EventSubject.WorkOrder(w.Id), body, ct);
            return TypedResults.Ok(body);
        }, ct);

    internal static Task<IResult> SetStatusAsync(string workorder_id, StatusRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            if (request.StatusCode is null || !int.TryParse(request.StatusCode, System.Globalization.CultureInfo.InvariantCulture, out var code) || !WorkOrderStatuses.TryGet(code, out _))
            {
                return Problems.Validation("status_code", "'status_code' must be one of the codes of GET /api/v1/statuses, as a string (e.g. \"60\").");
            }

            await ChangeStatusAsync(w, code, Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);

    /// <summary>
    /// Moves a work order to a status and writes a status change event (plus "closed" at 100 and
    /// "cancelled" at 105). Setting the status it already has changes nothing and writes nothing.
    /// </summary>
    internal static async Task ChangeStatusAsync(WorkOrder w, int code, Caller caller, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct)
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

    internal static Task<IResult> ScheduleAsync(string workorder_id, ScheduleRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            if (SiteTime.ParseLocal("start", request.Start, w.Site!.TimeZone, out var start) is { } error) return Problems.Validation("start", error);
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.Schedule) is { } refused) return refused;
            w.ScheduledStart = start;
            w.UpdatedAt = Formats.Now(clock);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderScheduled { WorkOrderId = Formats.Id(w.Id), Start = SiteTime.Local(start, w.Site.TimeZone) }, ct);
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.Schedule), Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);

    internal static Task<IResult> AssignAsync(string workorder_id, TechRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            var v = new Validator();
            var name = v.Text("tech_name", request.TechName, 200) ?? "";
            var phone = v.Text("tech_phone", request.TechPhone, 50) ?? "";
            if (name.Length == 0 && phone.Length > 0) v.Add("tech_name", "'tech_name' is required with a phone; send both empty to unassign.");
            if (v.Failed) return v.Problem();
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.Assign) is { } refused) return refused;
            w.PlannedTechName = name;
            w.PlannedTechPhone = phone;
            w.UpdatedAt = Formats.Now(clock);
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderAssigned { WorkOrderId = Formats.Id(w.Id), PlannedTechName = name, PlannedTechPhone = phone }, ct);
            // Unassigning (both fields empty) leaves the status where it is.
            if (name.Length > 0) await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.Assign), Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);

    internal static Task<IResult> CheckInAsync(string workorder_id, TechRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            var v = new Validator();
            var name = v.Text("tech_name", request.TechName, 200, required: true);
            var phone = v.Text("tech_phone", request.TechPhone, 50) ?? "";
            if (v.Failed) return v.Problem();
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
            await ChangeStatusAsync(w, WorkOrderStatuses.TechOnSite, Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);

    internal static Task<IResult> CheckOutAsync(string workorder_id, CheckOutRequest request, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorder_id, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            var v = new Validator();
            var disposition = v.OneOf("disposition", request.Disposition, ["complete", "return"], required: true);
            if (v.Failed) return v.Problem();
            if (WorkOrderRules.Refuse(w.StatusCode, WorkOrderAction.CheckOut) is { } refused) return refused;
            var now = Formats.Now(clock);
            w.CheckOutAt = now;
            w.CheckOutDisposition = disposition;
            w.UpdatedAt = now;
            await outbox.AddAsync(db, w.CompanyId, w.Id, new Events.WorkOrderTechOffSite
            {
                WorkOrderId = Formats.Id(w.Id), Disposition = disposition!, Time = SiteTime.LocalWithZone(now, w.Site!.TimeZone),
            }, ct);
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, WorkOrderAction.CheckOut, disposition), Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);

    internal static Task<IResult> CloseAsync(string workorder_id, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        MoveToAsync(workorder_id, WorkOrderAction.Close, http, db, outbox, clock, ct);

    internal static Task<IResult> CancelAsync(string workorder_id, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        MoveToAsync(workorder_id, WorkOrderAction.Cancel, http, db, outbox, clock, ct);

    internal static Task<IResult> MoveToAsync(string workorderId, WorkOrderAction action, HttpContext http, TechLinkDbContext db, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var w = await FindAsync(workorderId, http, db, ct);
            if (w is null) return Problems.NotFound("work order");
            if (WorkOrderRules.Refuse(w.StatusCode, action) is { } refused) return refused;
            await ChangeStatusAsync(w, WorkOrderRules.StatusAfter(w.StatusCode, action), Caller.From(http.User), db, outbox, clock, ct);
            return TypedResults.Ok(Body(w));
        }, ct);
}
