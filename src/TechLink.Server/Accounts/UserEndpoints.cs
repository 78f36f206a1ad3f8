using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.Accounts;

public static class UserEndpoints
{
    /// <summary>
    /// The answer to a taken username, whoever holds it (this company, another one, staff): it never echoes the name
    /// nor says whose it is. Usernames stay globally unique because they are the login (no company field on the form);
    /// scoping them per company would need one, so a refusal must exist, and this one says no more than that.
    /// </summary>
    public const string UsernameUnavailable = "This username is not available. Choose another one.";

    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Accounts");
        group.MapGet("/", ListAsync).WithSummary("Get Client Users").Produces<Page<UserResponse>>();
        group.MapGet("/{user_id}", GetAsync).Produces<UserResponse>();
        group.MapPost("/", CreateAsync).Produces<UserResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).RequiresFields("username");
        group.MapPatch("/{user_id}", UpdateAsync).Produces<UserResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    internal static async Task<IResult> ListAsync(string? company_id, int? limit, string? cursor, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!PageRequest.TryParse(limit, cursor, out var page, out var problem)) return problem!;
        var query = db.Users.AsNoTracking().Where(u => !u.IsStaff && u.Id > page.After);
        if (caller.IsStaff)
        {
            if (company_id is not null)
            {
                if (!Formats.TryParseId(company_id, out var filter)) return Problems.Validation("company_id", "'company_id' must be an id.");
                query = query.Where(u => u.CompanyId == filter);
            }
        }
        else
        {
            query = query.Where(u => u.CompanyId == caller.CompanyId);
        }

        var rows = await query.OrderBy(u => u.Id).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Build(rows, u => u.Id, UserResponse.From));
    }

    internal static async Task<IResult> GetAsync(string user_id, HttpContext http, TechLinkDbContext db, CancellationToken ct)
    {
        var user = await FindAsync(user_id, Caller.From(http.User), db, ct);
        return user is null ? Problems.NotFound("user") : TypedResults.Ok(UserResponse.From(user));
    }

    private static async Task<User?> FindAsync(string userId, Caller caller, TechLinkDbContext db, CancellationToken ct)
    {
        if (!Formats.TryParseId(userId, out var id)) return null;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && !u.IsStaff, ct);
        return user is not null && user.CompanyId is { } c && caller.CanSee(c) ? user : null;
    }

    internal static async Task<IResult> CreateAsync(CreateUserRequest request, HttpContext http, TechLinkDbContext db, UserManager<User> users,
        UsernameConflicts conflicts, EventOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var v = new Validator();
        long companyId;
        if (caller.IsStaff)
        {
            companyId = v.Id("company_id", request.CompanyId);
        }
        else
        {
            companyId = caller.CompanyId!.Value;
        }

        var username = v.Text("username", request.Username, 100, required: true);
        var first = v.Text("first_name", request.FirstName, 100) ?? "";
        var last = v.Text("last_name", request.LastName, 100) ?? "";
        var email = v.Text("email", request.Email, 256) ?? "";
        var phone = v.Text("phone", request.Phone, 50) ?? "";
        if (email.Length > 0 && !IsEmail(email)) v.Add("email", "'email' is not an e-mail address.");
        if (username is not null && username.Any(char.IsWhiteSpace)) v.Add("username", "'username' may not contain spaces.");
        if (v.Failed) return v.Problem();
        if (caller.IsStaff && !await db.Companies.AnyAsync(c => c.Id == companyId, ct)) return Problems.Validation("company_id", "No such company.");
        if (!caller.IsStaff && conflicts.TryReserve(companyId) is { } wait)
        {
            return new TooManyRequestsResult(wait, "Too many unavailable usernames were tried. Try again later.");
        }

        if (await users.FindByNameAsync(username!) is not null) return Problems.Conflict(UsernameUnavailable);
        if (!caller.IsStaff) conflicts.Release(companyId);

        var now = Formats.Now(clock);
        var user = new User
        {
            UserName = username, CompanyId = companyId, FirstName = first, LastName = last, Email = email, PhoneNumber = phone,
            CreatedAt = now, UpdatedAt = now,
        };
        return await db.InTransactionAsync<IResult>(async () =>
        {
            var result = request.Password is { Length: > 0 } password ? await users.CreateAsync(user, password) : await users.CreateAsync(user);
            if (!result.Succeeded) return IdentityProblem(result);
            var body = UserResponse.From(user);
            var created = AuditChanges.Between(UserResponse.From(new User { CompanyId = companyId }), body).Without("user_id").Without("company_id");
            if (request.Password is { Length: > 0 }) created.Credential("password", false, true);
            AuditLog.Add(db, http.User, now, "user.created", "user", user.Id, companyId, created);
            await outbox.AddAsync<Events.AccountCreated>(db, companyId, EventSubject.User(user.Id), body, ct);
            return TypedResults.Created($"/api/v1/users/{user.Id}", body);
        }, ct);
    }

    internal static Task<IResult> UpdateAsync(string user_id, UpdateUserRequest request, HttpContext http, TechLinkDbContext db,
        UserManager<User> users, EventOutbox outbox, TimeProvider clock, CancellationToken ct) =>
        db.ReadModifyWriteAsync(async () =>
        {
            var user = await FindAsync(user_id, Caller.From(http.User), db, ct);
            if (user is null) return Problems.NotFound("user");
            var before = UserResponse.From(user);
            var v = new Validator();
            var first = v.Text("first_name", request.FirstName, 100);
            var last = v.Text("last_name", request.LastName, 100);
            var email = v.Text("email", request.Email, 256);
            var phone = v.Text("phone", request.Phone, 50);
            if (email is { Length: > 0 } && !IsEmail(email)) v.Add("email", "'email' is not an e-mail address.");
            if (v.Failed) return v.Problem();

            user.FirstName = first ?? user.FirstName;
            user.LastName = last ?? user.LastName;
            if (email is not null) user.Email = email;
            if (phone is not null) user.PhoneNumber = phone;
            // Deactivation ends the user's sessions: a new security stamp invalidates every cookie issued before it
            // (a password change renews the stamp by itself).
            var deactivating = request.IsActive is false && user.IsActive;
            if (request.IsActive is { } active) user.IsActive = active;
            user.UpdatedAt = Formats.Now(clock);
            if (request.Password is { Length: > 0 } password)
            {
                if (await users.HasPasswordAsync(user)) ThrowIfRaced(await users.RemovePasswordAsync(user));
                var set = await users.AddPasswordAsync(user, password);
                if (!ThrowIfRaced(set).Succeeded) return IdentityProblem(set);
            }

            // A new stamp is saved with the user's other changes in one update.
            var result = ThrowIfRaced(deactivating ? await users.UpdateSecurityStampAsync(user) : await users.UpdateAsync(user));
            if (!result.Succeeded) return IdentityProblem(result);
            var body = UserResponse.From(user);
            UserAudit(db, http, before, body, passwordChanged: request.Password is { Length: > 0 }, user);
            await outbox.AddAsync<Events.AccountUpdated>(db, user.CompanyId!.Value, EventSubject.User(user.Id), body, ct);
            return TypedResults.Ok(body);
        }, ct);

    /// <summary>
    /// A deactivation (or reactivation) is an entry of its own, as it ends the user's sessions; the other changed fields,
    /// a new password as set but never its value, make a <c>user.updated</c> entry.
    /// </summary>
    private static void UserAudit(TechLinkDbContext db, HttpContext http, UserResponse before, UserResponse after, bool passwordChanged, User user)
    {
        var changes = AuditChanges.Between(before, after);
        if (passwordChanged) changes.Credential("password", true, true);
        var at = user.UpdatedAt;
        if (before.IsActive != after.IsActive)
        {
            changes.Without("is_active");
            AuditLog.Add(db, http.User, at, after.IsActive ? "user.reactivated" : "user.deactivated", "user", user.Id, user.CompanyId);
        }

        if (!changes.IsEmpty) AuditLog.Add(db, http.User, at, "user.updated", "user", user.Id, user.CompanyId, changes);
    }

    /// <summary>
    /// Identity answers a lost race on the user's concurrency stamp as a failed result; it is not the caller's mistake
    /// (a 400) but a read that went stale: thrown as such, so that the change runs again on fresh data.
    /// </summary>
    private static IdentityResult ThrowIfRaced(IdentityResult result) =>
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
            ? throw new DbUpdateConcurrencyException(result.Errors.First().Description)
            : result;

    private static bool IsEmail(string email) => System.Net.Mail.MailAddress.TryCreate(email, out var parsed) && parsed.Address == email;

    private static IResult IdentityProblem(IdentityResult result) =>
        // A name taken between the look-up and the insert: the same neutral answer (Identity's own text echoes the name).
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)) ? Problems.Conflict(UsernameUnavailable) :
        TypedResults.ValidationProblem(result.Errors
            .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("UserName", StringComparison.Ordinal) ? "username" : e.Code.Contains("Email", StringComparison.Ordinal) ? "email" : "body")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
}
