using TechLink.Server.Infrastructure;

namespace TechLink.Server.Accounts;

/// <summary>The user object of "Get Client Users", and the <c>data</c> of account events.</summary>
public sealed record UserResponse(
    string UserId, string? CompanyId, string Username, string FirstName, string LastName, string Email, string Phone,
    bool IsActive, string CreatedAt, string UpdatedAt)
{
    public static UserResponse From(User u) => new(
        Formats.Id(u.Id), Formats.Id(u.CompanyId), u.UserName ?? "", u.FirstName, u.LastName, u.Email ?? "", u.PhoneNumber ?? "",
        u.IsActive, Formats.Instant(u.CreatedAt), Formats.Instant(u.UpdatedAt));
}

public sealed record CreateUserRequest(string? CompanyId, string? Username, string? FirstName, string? LastName, string? Email, string? Phone, string? Password);

public sealed record UpdateUserRequest(string? FirstName, string? LastName, string? Email, string? Phone, bool? IsActive, string? Password);
