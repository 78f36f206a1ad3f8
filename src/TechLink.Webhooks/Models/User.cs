namespace TechLink.Webhooks;

/// <summary>A user account of a client company (API "Get Client Users"; the <c>data</c> of account events).</summary>
/// <param name="UserId">Id, a string of digits.</param>
/// <param name="CompanyId">Owning company id.</param>
/// <param name="Username">Login name.</param>
/// <param name="FirstName">First name.</param>
/// <param name="LastName">Last name.</param>
/// <param name="Email">E-mail address.</param>
/// <param name="Phone">Phone number.</param>
/// <param name="IsActive">Whether the account may sign in.</param>
/// <param name="CreatedAt">Creation instant (UTC).</param>
/// <param name="UpdatedAt">Last change instant (UTC).</param>
public sealed record User(
    string UserId,
    string? CompanyId,
    string? Username,
    string? FirstName,
    string? LastName,
    string? Email,
    string? Phone,
    bool IsActive,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt);
