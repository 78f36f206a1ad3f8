using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Audit;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Events = TechLink.Webhooks;

namespace TechLink.Server.Accounts;

/// <summary>
/// The client companies' portal accounts, for the API and the portal alike: each action validates, changes the user
/// (through Identity), writes the audit entry and the account event in one transaction, and answers the user or a
/// <see cref="Refusal"/> (then nothing stays). Staff accounts are never listed, read or changed here.
/// </summary>
public sealed class UserService(TechLinkDbContext db, UserManager<User> users, UsernameConflicts conflicts, EventOutbox outbox, TimeProvider clock)
{
    /// <summary>
    /// The answer to a taken username, whoever holds it (this company, another one, staff): it never echoes the name
    /// nor says whose it is. Usernames stay globally unique because they are the login (no company field on the form);
    /// scoping them per company would need one, so a refusal must exist, and this one says no more than that.
    /// </summary>
    public const string UsernameUnavailable = "This username is not available. Choose another one.";

    public async Task<Outcome<Page<UserResponse>>> ListAsync(Caller caller, string? companyId, int? limit, string? cursor, CancellationToken ct)
    {
        var parsed = PageRequest.Parse(limit, cursor);
        if (!parsed.Succeeded) return parsed.Refusal!;
        var page = parsed.Value;
        var query = db.Users.AsNoTracking().Where(u => !u.IsStaff && u.Id > page.After);
        if (caller.IsStaff && companyId is not null)
        {
            if (!Formats.TryParseId(companyId, out var filter)) return Refusal.Validation("company_id", "'company_id' must be an id.");
            query = query.Where(u => u.CompanyId == filter);
        }

        var rows = await query.OrderBy(u => u.Id).Take(page.Limit + 1).ToListAsync(ct);
        return page.Build(rows, u => u.Id, UserResponse.From);
    }

    public async Task<Outcome<UserResponse>> GetAsync(Caller caller, string userId, CancellationToken ct) =>
        await FindAsync(userId, ct) is { } user ? UserResponse.From(user) : Refusal.NotFound("user");

    /// <summary>The client user, tracked; null when missing or another company's (the tenancy filter).</summary>
    private async Task<User?> FindAsync(string userId, CancellationToken ct)
    {
        if (!Formats.TryParseId(userId, out var id)) return null;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && !u.IsStaff, ct);
        return user is { CompanyId: not null } ? user : null;
    }

    /// <summary>
    /// A new account. A client company's tries of taken usernames are rationed (<see cref="UsernameConflicts"/>): past
    /// the limit every creation of that company is refused 429 until the window passes, free names too.
    /// </summary>
    public async Task<Outcome<UserResponse>> CreateAsync(Caller caller, CreateUserRequest request, CancellationToken ct)
    {
        var v = new Validator();
        var companyId = caller.IsStaff ? v.Id("company_id", request.CompanyId) : caller.CompanyId!.Value;
        var username = v.Text("username", request.Username, 100, required: true);
        var first = v.Text("first_name", request.FirstName, 100) ?? "";
        var last = v.Text("last_name", request.LastName, 100) ?? "";
        var email = v.Text("email", request.Email, 256) ?? "";
        var phone = v.Text("phone", request.Phone, 50) ?? "";
        if (email.Length > 0 && !IsEmail(email)) v.Add("email", "'email' is not an e-mail address.");
        if (username is not null && username.Any(char.IsWhiteSpace)) v.Add("username", "'username' may not contain spaces.");
        if (v.Failed) return v.Refusal();
        if (caller.IsStaff && !await db.Companies.AnyAsync(c => c.Id == companyId, ct)) return Refusal.Validation("company_id", "No such company.");
        if (!caller.IsStaff && conflicts.TryReserve(companyId) is { } wait)
        {
            return Refusal.TooManyRequests(wait, "Too many unavailable usernames were tried. Try again later.");
        }

        // Usernames are unique across the platform: this one read crosses the caller's company (Tenancy).
        var normalized = users.NormalizeName(username!);
        if (await db.Users.IgnoreQueryFilters().AnyAsync(u => u.NormalizedUserName == normalized, ct)) return Refusal.Conflict(UsernameUnavailable);
        if (!caller.IsStaff) conflicts.Release(companyId);

        var now = Formats.Now(clock);
        var user = new User
        {
            UserName = username, CompanyId = companyId, FirstName = first, LastName = last, Email = email, PhoneNumber = phone,
            CreatedAt = now, UpdatedAt = now,
        };
        return await db.CommitOnSuccessAsync<UserResponse>(async () =>
        {
            var result = request.Password is { Length: > 0 } password ? await users.CreateAsync(user, password) : await users.CreateAsync(user);
            if (!result.Succeeded) return IdentityRefusal(result);
            var body = UserResponse.From(user);
            var created = AuditChanges.Between(UserResponse.From(new User { CompanyId = companyId }), body).Without("user_id").Without("company_id");
            if (request.Password is { Length: > 0 }) created.Credential("password", false, true);
            AuditLog.Add(db, caller.Principal, now, "user.created", "user", user.Id, companyId, created);
            await outbox.AddAsync<Events.AccountCreated>(db, companyId, EventSubject.User(user.Id), body, ct);
            return body;
        }, ct);
    }

    public Task<Outcome<UserResponse>> UpdateAsync(Caller caller, string userId, UpdateUserRequest request, CancellationToken ct) =>
        db.ReadModifyWriteAsync<UserResponse>(async () =>
        {
            var user = await FindAsync(userId, ct);
            if (user is null) return Refusal.NotFound("user");
            var before = UserResponse.From(user);
            var v = new Validator();
            var first = v.Text("first_name", request.FirstName, 100);
            var last = v.Text("last_name", request.LastName, 100);
            var email = v.Text("email", request.Email, 256);
            var phone = v.Text("phone", request.Phone, 50);
            if (email is { Length: > 0 } && !IsEmail(email)) v.Add("email", "'email' is not an e-mail address.");
            if (v.Failed) return v.Refusal();

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
                if (!ThrowIfRaced(set).Succeeded) return IdentityRefusal(set);
            }

            // A new stamp is saved with the user's other changes in one update.
            var result = ThrowIfRaced(deactivating ? await users.UpdateSecurityStampAsync(user) : await users.UpdateAsync(user));
            if (!result.Succeeded) return IdentityRefusal(result);
            var body = UserResponse.From(user);
            Audit(caller, before, body, passwordChanged: request.Password is { Length: > 0 }, user);
            await outbox.AddAsync<Events.AccountUpdated>(db, user.CompanyId!.Value, EventSubject.User(user.Id), body, ct);
            return body;
        }, ct);

    /// <summary>
    /// A deactivation (or reactivation) is an entry of its own, as it ends the user's sessions; the other changed fields,
    /// a new password as set but never its value, make a <c>user.updated</c> entry.
    /// </summary>
    private void Audit(Caller caller, UserResponse before, UserResponse after, bool passwordChanged, User user)
    {
        var changes = AuditChanges.Between(before, after);
        if (passwordChanged) changes.Credential("password", true, true);
        var at = user.UpdatedAt;
        if (before.IsActive != after.IsActive)
        {
            changes.Without("is_active");
            AuditLog.Add(db, caller.Principal, at, after.IsActive ? "user.reactivated" : "user.deactivated", "user", user.Id, user.CompanyId);
        }

        if (!changes.IsEmpty) AuditLog.Add(db, caller.Principal, at, "user.updated", "user", user.Id, user.CompanyId, changes);
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

    private static Refusal IdentityRefusal(IdentityResult result) =>
        // A name taken between the look-up and the insert: the same neutral answer (Identity's own text echoes the name).
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)) ? Refusal.Conflict(UsernameUnavailable) :
        Refusal.Validation(result.Errors
            .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("UserName", StringComparison.Ordinal) ? "username" : e.Code.Contains("Email", StringComparison.Ordinal) ? "email" : "body")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
}
