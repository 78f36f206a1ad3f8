using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TechLink.Server.Accounts;

namespace TechLink.Server.Portal.Account;

public sealed class LogoutModel(SignInManager<User> signIn) : PageModel
{
    public void OnGet()
    {
    }

    /// <summary>
    /// Ends the session on the server too: a new security stamp makes every cookie issued before it invalid on its next
    /// request (see SessionValidator), so a copy of this cookie dies with it. The stamp is per user, not per cookie, so
    /// this logs the user out of their other browsers as well; a per-session server-side store would be needed to
    /// avoid that, and logging out everywhere is the safer side for a shared portal account.
    /// </summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (await signIn.UserManager.GetUserAsync(User) is { } user) await signIn.UserManager.UpdateSecurityStampAsync(user);
        await signIn.SignOutAsync();
        return Redirect("/login");
    }
}
