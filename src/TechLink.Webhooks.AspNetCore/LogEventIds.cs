namespace TechLink.Webhooks.AspNetCore;

/// <summary>
/// The receiver endpoint's log event ids, in one place so none is used twice. Stable: a client's operators may filter
/// and alert on them (small numbers, as shipped; the server's and the engine's are 1000 and up).
/// </summary>
internal static class LogEventIds
{
    public const int Rejected = 1;
    public const int NotAnEvent = 2;
    public const int AlreadyProcessed = 3;
    public const int HandlerFailed = 4;
    public const int Processed = 5;
}
