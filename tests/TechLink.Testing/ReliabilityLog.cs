using System.Text.Json;

namespace TechLink.Testing;

/// <summary>
/// The figures behind <c>docs/reliability.md</c>: every reliability test records what it tried, how many times, and
/// what was lost, as one JSON line appended to the file named by <c>TECHLINK_RELIABILITY_LOG</c> (set by
/// <c>.ci/run</c>; nothing is written when it is unset). <c>scripts/reliability-report.py</c> turns the lines into the
/// table. Record only what the test measured, after its assertions passed or failed: the row says which.
/// </summary>
public static class ReliabilityLog
{
    private static readonly Lock Gate = new();

    /// <param name="area">The section of the table: Faults, Receivers, Network guard, Fuzz, Tenancy, Portal, Secrets.</param>
    /// <param name="what">What was tried, in a few words ("SIGKILL during 10,000 events to 50 endpoints, SQLite").</param>
    /// <param name="tries">How many times it was tried (kills, requests, addresses, routes...).</param>
    /// <param name="lost">What was lost or got through (events lost, 5xx answers, forbidden connections...): 0 is the goal.</param>
    /// <param name="detail">Further measured figures ("duplicates 37 ≤ in flight 212; longest attempt 2.1 s").</param>
    public static void Record(string area, string what, long tries, long lost, string detail = "")
    {
        var path = Environment.GetEnvironmentVariable("TECHLINK_RELIABILITY_LOG");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var line = JsonSerializer.Serialize(new { area, what, tries, lost, detail, at = DateTimeOffset.UtcNow.ToString("u") });
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }
}
