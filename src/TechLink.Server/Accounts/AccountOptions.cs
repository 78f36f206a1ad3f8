using System.ComponentModel.DataAnnotations;

namespace TechLink.Server.Accounts;

/// <summary>
/// Settings of portal accounts, section <c>TechLink:Accounts</c>: how many refused (taken) usernames a client company's
/// account creations may meet in a window (<c>UsernameConflictsPerCompany</c>, <c>UsernameConflictWindow</c>) before
/// every creation of that company answers 429 until the window ends.
/// </summary>
public sealed class AccountOptions
{
    public const string SectionName = "TechLink:Accounts";

    [Range(1, 100_000)]
    public int UsernameConflictsPerCompany { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan UsernameConflictWindow { get; set; } = TimeSpan.FromHours(1);
}
