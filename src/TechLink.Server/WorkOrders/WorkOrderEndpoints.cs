using Microsoft.AspNetCore.Http.HttpResults;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.WorkOrders;

/// <summary>The work order routes: each handler maps what <see cref="WorkOrderService"/> answers to the route's typed results.</summary>
public static class WorkOrderEndpoints
{
    public static RouteGroupBuilder MapWorkOrders(this RouteGroupBuilder api)
    {
        api.MapGet("/statuses", () => TypedResults.Ok(new Page<StatusResponse>([.. WorkOrderStatuses.All.Select(StatusResponse.From)], null)))
            .WithTags("Work orders");
        var group = api.MapGroup("/workorders").WithTags("Work orders");
        group.MapGet("/", ListAsync);
        group.MapGet("/{workorder_id}", GetAsync).WithSummary("Get Work Order Details");
        group.MapGet("/{workorder_id}/timeline", TimelineAsync);
        group.MapPost("/", CreateAsync).RequiresFields("site_id", "title");
        group.MapPatch("/{workorder_id}", UpdateAsync).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/status", SetStatusAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("status_code");
        group.MapPost("/{workorder_id}/schedule", ScheduleAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("start");
        group.MapPost("/{workorder_id}/assign", AssignAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/check-in", CheckInAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("tech_name");
        group.MapPost("/{workorder_id}/check-out", CheckOutAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("disposition");
        group.MapPost("/{workorder_id}/close", CloseAsync).RequireAuthorization(Policies.Staff).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{workorder_id}/cancel", CancelAsync).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapWorkOrderAttachments();
        return api;
    }

    private static async Task<Results<Ok<Page<WorkOrderResponse>>, ProblemHttpResult>> ListAsync(string? status_code, string? site_id, string? updated_since, string? company_id,
        int? limit, string? cursor, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.ListAsync(Caller.From(http.User), new WorkOrderFilter(status_code, site_id, updated_since, company_id), limit, cursor, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> GetAsync(string workorder_id, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.GetAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<Page<TimelineEntry>>, ProblemHttpResult>> TimelineAsync(string workorder_id, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.TimelineAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Created<WorkOrderResponse>, ProblemHttpResult>> CreateAsync(CreateWorkOrderRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.CreateAsync(Caller.From(http.User), request, ct)).Map(w => TypedResults.Created($"/api/v1/workorders/{w.WorkorderId}", w));

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> UpdateAsync(string workorder_id, UpdateWorkOrderRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.UpdateAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> SetStatusAsync(string workorder_id, StatusRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.SetStatusAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> ScheduleAsync(string workorder_id, ScheduleRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.ScheduleAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> AssignAsync(string workorder_id, TechRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.AssignAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> CheckInAsync(string workorder_id, TechRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.CheckInAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> CheckOutAsync(string workorder_id, CheckOutRequest request, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.CheckOutAsync(Caller.From(http.User), workorder_id, request, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> CloseAsync(string workorder_id, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.CloseAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);

    private static async Task<Results<Ok<WorkOrderResponse>, ProblemHttpResult>> CancelAsync(string workorder_id, HttpContext http, WorkOrderService workOrders, CancellationToken ct) =>
        (await workOrders.CancelAsync(Caller.From(http.User), workorder_id, ct)).Map(TypedResults.Ok);
}
