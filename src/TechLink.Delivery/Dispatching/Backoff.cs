namespace TechLink.Delivery.Dispatching;

/// <summary>How long a background loop waits after failing <c>failures</c> times in a row: 0.5 s, doubling, at most 30 s.</summary>
internal static class Backoff
{
    public static TimeSpan After(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures - 1, 10))));
}
