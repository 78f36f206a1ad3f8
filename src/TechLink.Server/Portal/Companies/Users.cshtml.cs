using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TechLink.Server.Accounts;
using TechLink.Server.Data;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Companies;

public sealed class UserForm
{
    public string? Username { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public string? Password { get; set; }
    public bool IsActive { get; set; } = true;
}

/// <summary>The company's portal accounts. Creating and editing go through <see cref="UserService"/>, as the API does (the account events).</summary>
public sealed class UsersModel(TechLinkDbContext db, UserService users) : CompanyPage(db)
{
    public override string Tab => "users";

    [BindProperty]
    public UserForm Form { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Edit { get; set; }

    public IReadOnlyList<UserResponse> Users { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Users.FirstOrDefault(u => u.UserId == Edit) is { } editing)
        {
            Form = new UserForm { FirstName = editing.FirstName, LastName = editing.LastName, Email = editing.Email, Phone = editing.Phone, IsActive = editing.IsActive };
        }
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        var request = new CreateUserRequest(Caller.IsStaff ? CompanyKey : null, Form.Username, Form.FirstName, Form.LastName, Form.Email, Form.Phone, Form.Password);
        var outcome = await users.CreateAsync(Caller, request, ct);
        if (Accepted(outcome)) return Done($"Account '{outcome.Value.Username}' created.");
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(string id, CancellationToken ct)
    {
        if (!Formats.TryParseId(id, out var userId) || !await Db.Users.AnyAsync(u => u.Id == userId && u.CompanyId == Company.Id && !u.IsStaff, ct)) return NotFound();
        var request = new UpdateUserRequest(Form.FirstName ?? "", Form.LastName ?? "", Form.Email ?? "", Form.Phone ?? "", Form.IsActive, Form.Password);
        var outcome = await users.UpdateAsync(Caller, id, request, ct);
        if (Accepted(outcome)) return Done($"Account '{outcome.Value.Username}' saved.");
        Edit = id;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var list = await users.ListAsync(Caller, CompanyKey, PageRequest.MaxLimit, null, ct);
        Users = list.Succeeded ? list.Value.Items : [];
    }
}
