using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TechLink.Server.Accounts;

namespace TechLink.Server.Portal.Account;

public sealed class LoginModel(SignInManager<User> signIn, LoginThrottle throttle) : PageModel
{
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

        if (throttle.TryAcquire(Username, HttpContext.Connection.RemoteIpAddress?.ToString()) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            Message = $"Too many attempts. Try again in {seconds} seconds.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        var user = await signIn.UserManager.FindByNameAsync(Username.Trim());
        // An inactive account fails like a wrong password: the form does not tell which accounts exist.
        var result = user is { IsActive: true }
            ? await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true)
            : Microsoft.AspNetCore.Identity.SignInResult.Failed;
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
        }

        Message = result.IsLockedOut
            ? "This account is locked after too many failed attempts. Try again in a few minutes."
            : "The username or password is not right.";
        return Page();
    }
}
