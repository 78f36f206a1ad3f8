using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TechLink.Server.Accounts;
using TechLink.Server.Infrastructure;

namespace TechLink.Server.Portal.Account;

public sealed class LoginModel(SignInManager<User> signIn, IPasswordHasher<User> hasher, LoginThrottle throttle) : PageModel
{
    /// <summary>The one answer to every failed attempt: unknown user, inactive user and wrong password read the same.</summary>
    public const string Failed = "The username or password is not right.";

    /// <summary>A hash of a random password, made once by the same hasher (so with the same cost) as the users' own.</summary>
    private static string? s_decoyHash;

    public string? Message { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            Message = "Enter your username and password.";
            return Page();
        }

        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (throttle.TryAcquire(Username, address) is { } wait)
        {
            var seconds = RateLimiting.Seconds(wait);
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            Message = $"Too many attempts. Try again in {seconds} seconds.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        // No lockout: the throttle holds back guessing per user and address (see LoginThrottle). An unknown or inactive
        // user, or one without a password, still costs one password hash, so the timing does not tell which accounts exist.
        var user = await signIn.UserManager.FindByNameAsync(Username.Trim());
        var valid = user is { IsActive: true, PasswordHash: not null }
            ? await signIn.UserManager.CheckPasswordAsync(user, Password)
            : RunDecoy(Password);
        if (!valid)
        {
            Message = Failed;
            return Page();
        }

        throttle.Succeeded(Username, address);
        await signIn.SignInAsync(user!, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
    }

    private bool RunDecoy(string password)
    {
        var decoy = new User();
        var hash = LazyInitializer.EnsureInitialized(ref s_decoyHash, () => hasher.HashPassword(decoy, Guid.NewGuid().ToString("N")));
        hasher.VerifyHashedPassword(decoy, hash, password);
        return false;
    }
}
